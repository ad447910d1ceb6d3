import { LitElement, css, html } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { repeat } from 'lit/directives/repeat.js'
import { limits } from '../../shared/constants.ts'
import { backend, backendState } from '../backend.ts'
import { CallErrors } from '../call-error.ts'
import { cardStyles } from '../styles.ts'

const filters = { all: () => true, active: (done: boolean) => !done, done: (done: boolean) => done } as const
type Filter = keyof typeof filters

@customElement('todo-list')
export class TodoList extends LitElement {
  private todos = backendState(this, 'todos')
  private errors = new CallErrors(this)
  @state() private text = ''
  @state() private filter: Filter = 'all'
  @state() private exported: string | undefined
  @state() private canExport = true

  private async add(event: SubmitEvent) {
    event.preventDefault()
    if ((await this.errors.run(backend.attempt('addTodo', this.text))).ok) this.text = ''
  }

  // Waits while the save dialog is open, however long: the backend reports it is still working.
  private async exportTodos() {
    const outcome = await this.errors.run(backend.attempt('exportTodos'))
    if (outcome.ok) this.exported = outcome.value === null ? 'Export cancelled.' : `Saved to ${outcome.value}`
    // The error code tells "no window for the dialog" from any other failure.
    else if (outcome.error.code === 'no_window') this.canExport = false
  }

  render() {
    const todos = this.todos.value ?? []
    const shown = todos.filter((todo) => filters[this.filter](todo.done))
    return html`
      <h2>Todos</h2>
      <form class="row" @submit=${this.add}>
        <input
          aria-label="New todo"
          maxlength=${limits.todoText}
          placeholder="What needs doing?"
          .value=${this.text}
          @input=${(event: InputEvent) => (this.text = (event.target as HTMLInputElement).value)}
        />
        <button type="submit">Add</button>
      </form>
      <div class="row" role="group" aria-label="Filter">
        ${(Object.keys(filters) as Filter[]).map(
          (name) =>
            html`<button aria-pressed=${this.filter === name ? 'true' : 'false'} @click=${() => (this.filter = name)}>
              ${name[0]!.toUpperCase() + name.slice(1)}
            </button>`,
        )}
      </div>
      <ul>
        ${repeat(
          shown,
          (todo) => todo.id,
          (todo) => html`
            <li>
              <label class=${todo.done ? 'done' : ''}>
                <input type="checkbox" .checked=${todo.done} @change=${() => this.errors.run(backend.attempt('toggleTodo', todo.id))} />
                ${todo.text}
              </label>
              <button aria-label=${`Delete ${todo.text}`} @click=${() => this.errors.run(backend.attempt('deleteTodo', todo.id))}>✕</button>
            </li>
          `,
        )}
      </ul>
      <p data-testid="todo-summary">${todos.filter((todo) => !todo.done).length} left of ${todos.length}</p>
      <div class="row">
        <button @click=${this.exportTodos} ?disabled=${!this.canExport}>Export…</button>
        <button ?disabled=${!todos.some((todo) => todo.done)} @click=${() => this.errors.run(backend.attempt('clearDone'))}>Clear done</button>
        ${this.exported ? html`<output>${this.exported}</output>` : null}
      </div>
      ${this.errors.render()}
    `
  }

  static styles = [
    cardStyles,
    css`
      ul {
        list-style: none;
        padding: 0;
      }
      li {
        display: flex;
        justify-content: space-between;
        align-items: center;
        padding: 4px 0;
      }
      .done {
        text-decoration: line-through;
        opacity: 0.6;
      }
    `,
  ]
}
