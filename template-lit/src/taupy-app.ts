import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import { frameStyles } from './app-frame.ts'
import './pages/about-page.ts'
import './pages/home-page.ts'
import { Route, navigate, routes } from './router.ts'

/** The app shell: navigation, the backend status and the current page. */
@customElement('taupy-app')
export class TaupyApp extends LitElement {
  private route = new Route(this)

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
        <connection-status></connection-status>
      </header>
      <main>${this.route.path === routes.about ? html`<about-page></about-page>` : html`<home-page></home-page>`}</main>
    `
  }

  static styles = [
    frameStyles,
    css`
      :host {
        max-width: 1126px;
      }
      header {
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
    `,
  ]
}

declare global {
  interface HTMLElementTagNameMap {
    'taupy-app': TaupyApp
  }
}
