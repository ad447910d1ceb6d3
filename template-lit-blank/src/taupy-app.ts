// The app's one screen: replace it with yours. `backendState` re-renders the element when the
// backend changes a value of shared/api.ts; `backend.call` runs a call there (server/main.ts).
import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { frameStyles } from './app-frame.ts'
import { backend, backendState } from './backend.ts'

@customElement('taupy-app')
export class TaupyApp extends LitElement {
  private count = backendState(this, 'counter')

  render() {
    return html`
      <header>
        <h1>${document.title}</h1>
        <connection-status></connection-status>
      </header>
      <main>
        <button @click=${() => void backend.call('increment', 1)}>Count</button>
        <output data-testid="count">${this.count.value ?? '…'}</output>
        <p>Edit <code>src/taupy-app.ts</code> and <code>server/main.ts</code>; the window follows.</p>
      </main>
    `
  }

  static styles = [
    frameStyles,
    css`
      :host {
        max-width: 760px;
      }
      output[data-testid='count'] {
        margin-left: 12px;
        font-size: 24px;
      }
    `,
  ]
}

declare global {
  interface HTMLElementTagNameMap {
    'taupy-app': TaupyApp
  }
}
