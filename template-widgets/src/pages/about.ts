// The page of the About window (src/components/about-window.ts opens it at /about?window=about).
// It has its own session: its counter starts at 0 and counts apart from the main window's.
import { isWindowId, win } from '../../taupy/ipc/index.js'
import { button, card, column, component, currentPath, heading, html, row } from '../../taupy/widgets/index.js'
import { counter } from '../components/counter.js'

const appName = process.env.TAUPY_APP_NAME ?? 'Taupy App'

/** The window this page was opened in, when the app opened one for it (its URL says which). */
function ownWindow(): string | undefined {
  const id = new URLSearchParams(currentPath().split('?')[1] ?? '').get('window')
  return win.available && isWindowId(id) && id !== 'main' ? id : undefined
}

export function aboutPage() {
  const count = counter()
  return component(() => {
    const own = ownWindow()
    return column(
      heading(`About ${appName}`, 1),
      card(html`<p>Made with create-taupy: widgets written in TypeScript, rendered in the Node backend and shown in the system webview.</p>`),
      count,
      own ? row(button('Close this window', () => void win.window(own)?.close(), { class: 'close-window' })) : '',
    )
  })
}
