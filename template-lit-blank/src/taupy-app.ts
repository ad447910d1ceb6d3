// The app's one screen: replace it with yours. `backendState` re-renders the element when the
// backend changes a value of shared/api.ts; `backend.call` runs a call there (server/main.ts).
import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { backend, backendConnection, backendState } from './backend.ts'

const connectionText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'closed' }

@customElement('taupy-app')
export class TaupyApp extends LitElement {
  private connection = backendConnection(this)
  private count = backendState(this, 'counter')

  render() {
    return html`
      <header>
        <h1>${document.title}</h1>
        <p>Backend: <output id="status">${connectionText[this.connection.value]}</output></p>
      </header>
      <main>
        <button @click=${() => void backend.call('increment', 1)}>Count</button>
        <output data-testid="count">${this.count.value ?? '…'}</output>
        <p>Edit <code>src/taupy-app.ts</code> and <code>server/main.ts</code>; the window follows.</p>
      </main>
    `
  }

  static styles = css`
    :host {
      display: block;
      max-width: 760px;
      margin: 0 auto;
      padding: 0 24px 48px;
    }
    header {
      display: flex;
      justify-content: space-between;
      align-items: center;
    }
    output[data-testid='count'] {
      margin-left: 12px;
      font-size: 24px;
    }
  `
}

declare global {
  interface HTMLElementTagNameMap {
    'taupy-app': TaupyApp
  }
}
