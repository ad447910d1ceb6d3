import { useState, type FormEvent } from 'react'
import { limits } from '../../shared/constants.ts'
import { backend, useBackendState } from '../backend.ts'
import { CallErrorText } from './CallErrorText.tsx'
import { useCallError } from './useCallError.ts'

const filters = { all: () => true, active: (done: boolean) => !done, done: (done: boolean) => done } as const
type Filter = keyof typeof filters

export function TodoList() {
  const todos = useBackendState('todos') ?? []
  const [text, setText] = useState('')
  const [filter, setFilter] = useState<Filter>('all')
  const [error, run] = useCallError()
  const [exported, setExported] = useState<string>()
  const [canExport, setCanExport] = useState(true)

  const add = async (event: FormEvent) => {
    event.preventDefault()
    if ((await run(backend.attempt('addTodo', text))).ok) setText('')
  }
  // Waits while the save dialog is open, however long: the backend reports it is still working.
  const exportTodos = async () => {
    const outcome = await run(backend.attempt('exportTodos'))
    if (outcome.ok) setExported(outcome.value === null ? 'Export cancelled.' : `Saved to ${outcome.value}`)
    // The error code tells "no window for the dialog" from any other failure.
    else if (outcome.error.code === 'no_window') setCanExport(false)
  }
  const shown = todos.filter((todo) => filters[filter](todo.done))
  return (
    <section className="card">
      <h2>Todos</h2>
      <form onSubmit={add} className="row">
        <input aria-label="New todo" maxLength={limits.todoText} value={text} onChange={(event) => setText(event.target.value)} placeholder="What needs doing?" />
        <button type="submit">Add</button>
      </form>
      <div className="row" role="group" aria-label="Filter">
        {(Object.keys(filters) as Filter[]).map((name) => (
          <button key={name} aria-pressed={filter === name} onClick={() => setFilter(name)}>
            {name[0]!.toUpperCase() + name.slice(1)}
          </button>
        ))}
      </div>
      <ul className="todos">
        {shown.map((todo) => (
          <li key={todo.id}>
            <label className={todo.done ? 'done' : undefined}>
              <input type="checkbox" checked={todo.done} onChange={() => run(backend.attempt('toggleTodo', todo.id))} />
              {todo.text}
            </label>
            <button aria-label={`Delete ${todo.text}`} onClick={() => run(backend.attempt('deleteTodo', todo.id))}>
              ✕
            </button>
          </li>
        ))}
      </ul>
      <p data-testid="todo-summary">
        {todos.filter((todo) => !todo.done).length} left of {todos.length}
      </p>
      <div className="row">
        <button onClick={exportTodos} disabled={!canExport}>
          Export…
        </button>
        <button onClick={() => run(backend.attempt('clearDone'))} disabled={!todos.some((todo) => todo.done)}>
          Clear done
        </button>
        {exported && <output>{exported}</output>}
      </div>
      <CallErrorText error={error} />
    </section>
  )
}
