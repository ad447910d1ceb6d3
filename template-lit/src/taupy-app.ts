import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { backendConnection } from './backend.ts'
import './pages/about-page.ts'
import './pages/home-page.ts'
import { Route, navigate, routes } from './router.ts'

const connectionText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'closed' }

/** The app shell: navigation, the backend status and the current page. */
@customElement('taupy-app')
export class TaupyApp extends LitElement {
  private route = new Route(this)
  private connection = backendConnection(this)

  private link(to: string, label: string) {
    const follow = (event: MouseEvent) => {
      event.preventDefault()
      navigate(to)
    }
    return html`<a href=${to} @click=${follow} aria-current=${this.route.path === to ? 'page' : 'false'}>${label}</a>`
  }

  render() {
    return html`
      <header>
        <nav>${this.link(routes.home, 'Home')} ${this.link(routes.about, 'About')}</nav>
        <p>Backend: <output id="status">${connectionText[this.connection.value]}</output></p>
      </header>
      <main>${this.route.path === routes.about ? html`<about-page></about-page>` : html`<home-page></home-page>`}</main>
    `
  }

  static styles = css`
    :host {
      display: block;
      max-width: 1126px;
      margin: 0 auto;
      padding: 0 24px 48px;
    }
    header {
      display: flex;
      justify-content: space-between;
      align-items: center;
      border-bottom: 1px solid #e5e4e7;
    }
    nav {
      display: flex;
      gap: 16px;
    }
    a {
      color: #7c3aed;
    }
    a[aria-current='page'] {
      font-weight: 600;
      text-decoration: none;
    }
  `
}

declare global {
  interface HTMLElementTagNameMap {
    'taupy-app': TaupyApp
  }
}
