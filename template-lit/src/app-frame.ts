// What the app's top element (src/taupy-app.ts) is framed with, in the demo and in the blank
// app alike: the page's column and header, and the backend connection's state in words.
import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { backendConnection } from './backend.ts'

/** The column and its header row; the top element adds its width and the rest. */
export const frameStyles = css`
  :host {
    display: block;
    margin: 0 auto;
    padding: 0 24px 48px;
  }
  header {
    display: flex;
    justify-content: space-between;
    align-items: center;
  }
`

const connectionText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'closed' }

/** `<connection-status>`: "Backend: connected", and so on as the connection changes. */
@customElement('connection-status')
export class ConnectionStatus extends LitElement {
  private connection = backendConnection(this)

  render() {
    return html`<p>Backend: <output id="status">${connectionText[this.connection.value]}</output></p>`
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'connection-status': ConnectionStatus
  }
}
