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
        <button @click=${() => this.errors.run(backend.call('increment', -1))}>Decrement</button>
        <button @click=${() => this.errors.run(backend.call('increment', 1))}>Increment</button>
        <button @click=${() => this.errors.run(backend.call('resetCounter'))}>Reset</button>
      </div>
      ${this.errors.message ? html`<p role="alert">${this.errors.message}</p>` : null}
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
