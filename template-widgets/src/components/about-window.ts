// A second native window: "About" opens on its own page (/about) with its own widgets session,
// so its counter is its own. The button brings it to the front when it is already open; in a
// plain browser (no launcher, so no windows to open) the page opens in this tab instead.
import { win, type WindowApi } from '../../taupy/ipc/index.js'
import { button, card, component, heading, navigate, row, state } from '../../taupy/widgets/index.js'

export const aboutWindowId = 'about'
const appName = process.env.TAUPY_APP_NAME ?? 'Taupy App'

// App-wide (module level): every window's button shows whether About is open.
const aboutOpen = state(false)
let opening: Promise<WindowApi> | undefined

async function openAbout(): Promise<void> {
  if (!win.available) return navigate('/about')
  const open = win.window(aboutWindowId)
  if (open) return open.focus()
  // Two quick clicks open one window: the second waits for the first.
  opening ??= win.createWindow(aboutWindowId, { url: `/about?window=${aboutWindowId}`, title: `About ${appName}`, width: 520, height: 560 })
  try {
    const about = await opening
    aboutOpen.set(true)
    about.on('window_closed', () => aboutOpen.set(false))
  } finally {
    opening = undefined
  }
}

export function aboutWindow() {
  return component(() =>
    card(
      heading('Windows', 2),
      row(
        button(aboutOpen.get() ? 'Show About' : 'Open About', openAbout, { class: 'open-about' }),
        aboutOpen.get() ? 'About is open in its own window, with a counter of its own.' : 'A second window with its own page and state.',
      ),
    ),
  )
}
