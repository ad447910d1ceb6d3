import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { backend, backendState } from '../backend.ts'
import { CallErrors } from '../call-error.ts'
import { cardStyles } from '../styles.ts'

@customElement('taupy-counter')
export class TaupyCounter extends LitElement {
  private count = backendState(this, 'counter')
  private errors = new CallErrors(this)

  render() {
    return html`
      <h2>Counter</h2>
      <output data-testid="count">${this.count.value ?? '…'}</output>
      <div class="row">
        <button @click=${() => this.errors.run(backend.attempt('increment', -1))}>Decrement</button>
        <button @click=${() => this.errors.run(backend.attempt('increment', 1))}>Increment</button>
        <button @click=${() => this.errors.run(backend.attempt('resetCounter'))}>Reset</button>
      </div>
      ${this.errors.render()}
    `
  }

  static styles = [
    cardStyles,
    css`
      output {
        display: block;
        font-size: 48px;
      }
    `,
  ]
}
