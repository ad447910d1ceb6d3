// A todo list shared by every open window (app-wide state lives at module level), with a
// filter of each window's own. Each item keeps `done` in its own State, so ticking one row
// re-renders and sends only that row. "Clear done" asks first in a native dialog, when there
// is a window to ask in.
import { dialog, win } from '../../taupy/ipc/index.js'
import { button, checkbox, component, html, keyedList, row, select, state, textInput, type State } from '../../taupy/widgets/index.js'

interface Todo {
  id: number
  text: string
  done: State<boolean>
}

type Filter = 'all' | 'active' | 'done'

let lastId = 0
const todos = state<Todo[]>([])

function addTodo(text: string): void {
  const trimmed = text.trim()
  if (trimmed) todos.update((list) => [...list, { id: ++lastId, text: trimmed, done: state(false) }])
}

async function clearDone(): Promise<void> {
  const done = todos.peek().filter((todo) => todo.done.peek()).length
  if (done === 0) return
  // Code that must also run without a window (a browser tab, a test without one): ask only
  // where there is a window to ask in.
  const message = `Delete ${done} done ${done === 1 ? 'todo' : 'todos'}?`
  if (win.available && !(await dialog.confirm({ message, level: 'warning' }))) return
  todos.update((list) => list.filter((todo) => !todo.done.peek()))
}

function todoRow(todo: Todo) {
  return component(
    () => html`<li class="${todo.done.get() ? 'todo done' : 'todo'}">${row(
      checkbox({ checked: todo.done.get(), label: todo.text, onChange: (checked) => todo.done.set(checked) }),
      button('Delete', () => todos.update((list) => list.filter((t) => t !== todo)), { variant: 'plain', class: 'delete', title: 'Delete' }),
    )}</li>`,
  )
}

export function todoList() {
  const draft = state('')
  const filter = state<Filter>('all')
  const rows = keyedList({ key: (todo: Todo) => todo.id, row: todoRow })
  const visible = (todo: Todo): boolean => filter.get() === 'all' || todo.done.get() === (filter.get() === 'done')
  const remaining = component(() => {
    const left = todos.get().filter((todo) => !todo.done.get()).length
    return html`<p class="remaining">${left} ${left === 1 ? 'item' : 'items'} left</p>`
  })

  // The entry has its own component: each keystroke re-renders it, not the list.
  const entry = component(() =>
    row(
      textInput({
        value: draft.get(),
        placeholder: 'What needs doing? (Enter adds)',
        class: 'new-todo',
        onInput: (text) => draft.set(text),
        onEnter: (text) => {
          addTodo(text)
          draft.set('')
        },
      }),
      button('Add', () => {
        addTodo(draft.peek())
        draft.set('')
      }, { variant: 'primary', class: 'add' }),
    ),
  )

  return component(
    () => html`<section id="todos" class="taupy-card">
      <h2>Todos <small>(shared by every window)</small></h2>
      ${row(
        entry,
        select({
          options: [
            { value: 'all', label: 'All' },
            { value: 'active', label: 'Active' },
            { value: 'done', label: 'Done' },
          ],
          value: filter.get(),
          label: 'Show',
          class: 'filter',
          onChange: (value) => filter.set(value as Filter),
        }),
      )}
      <ul class="todo-list">${rows.render(todos.get().filter(visible))}</ul>
      ${row(remaining, button('Clear done', clearDone, { class: 'clear-done' }))}
    </section>`,
  )
}
