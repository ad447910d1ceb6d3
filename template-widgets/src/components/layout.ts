// Around every page: the app name and the navigation. Links re-render (to mark the current
// page) because they read the route.
import { html, link, type Content } from '../../taupy/widgets/index.js'

const appName = process.env.TAUPY_APP_NAME ?? 'Taupy App'

export function layout(page: Content): Content {
  return html`<div class="app">
    <header class="app-header">
      <strong>${appName}</strong>
      <nav>${link('/', 'Home')} ${link('/form', 'Form')} ${link('/extras', 'Extras')}</nav>
    </header>
    <main>${page}</main>
  </div>`
}
