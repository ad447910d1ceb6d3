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

  private async add(event: SubmitEvent) {
    event.preventDefault()
    if (await this.errors.run(backend.call('addTodo', this.text))) this.text = ''
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
                <input type="checkbox" .checked=${todo.done} @change=${() => this.errors.run(backend.call('toggleTodo', todo.id))} />
                ${todo.text}
              </label>
              <button aria-label=${`Delete ${todo.text}`} @click=${() => this.errors.run(backend.call('deleteTodo', todo.id))}>✕</button>
            </li>
          `,
        )}
      </ul>
      <p data-testid="todo-summary">${todos.filter((todo) => !todo.done).length} left of ${todos.length}</p>
      <button ?disabled=${!todos.some((todo) => todo.done)} @click=${() => this.errors.run(backend.call('clearDone'))}>Clear done</button>
      ${this.errors.message ? html`<p role="alert">${this.errors.message}</p>` : null}
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
