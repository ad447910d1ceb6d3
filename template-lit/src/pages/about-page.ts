import { LitElement, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { backendState } from '../backend.ts'
import { cardStyles } from '../styles.ts'

@customElement('about-page')
export class AboutPage extends LitElement {
  private counter = backendState(this, 'counter')
  private todos = backendState(this, 'todos')
  private members = backendState(this, 'members')

  render() {
    const todos = this.todos.value
    const members = this.members.value
    return html`
      <h1>About</h1>
      <p>This page reads the same server state as Home: change it in another window and watch it here.</p>
      <dl>
        <dt>Counter</dt>
        <dd data-testid="about-counter">${this.counter.value ?? '…'}</dd>
        <dt>Open todos</dt>
        <dd data-testid="about-open-todos">${todos ? todos.filter((todo) => !todo.done).length : '…'}</dd>
        <dt>Members</dt>
        <dd data-testid="about-members">${members ? members.map((member) => member.name).join(', ') || 'none yet' : '…'}</dd>
      </dl>
    `
  }

  static styles = cardStyles
}
