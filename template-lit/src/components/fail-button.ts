import { LitElement, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { backend } from '../backend.ts'
import { CallErrors } from '../call-error.ts'
import { cardStyles } from '../styles.ts'

@customElement('fail-button')
export class FailButton extends LitElement {
  private errors = new CallErrors(this)

  render() {
    return html`
      <h2>Errors</h2>
      <p>A call whose handler throws fails here with the server's message (code <code>handler_failed</code>).</p>
      <button @click=${() => this.errors.run(backend.attempt('failOnPurpose'))}>Call a failing function</button>
      ${this.errors.render()}
    `
  }

  static styles = cardStyles
}
