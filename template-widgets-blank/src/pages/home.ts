// The app's one page: replace it with yours. State lives here, in the backend; a click runs the
// handler here and the page gets only the changed HTML back.
import { button, component, heading, html, row, state } from '../../taupy/widgets/index.js'

const appName = process.env.TAUPY_APP_NAME ?? 'Taupy App'

export function homePage() {
  const count = state(0)
  return component(
    () => html`<main class="app">
      ${heading(appName, 1)}
      ${row(button('Count', () => count.update((n) => n + 1), { variant: 'primary', class: 'count-button' }), html`<output class="count">${count.get()}</output>`)}
      <p>Edit <code>src/pages/home.ts</code>; the window follows.</p>
    </main>`,
  )
}
