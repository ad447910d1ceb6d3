// One test file's app and browser, the setup most app tests begin with: the built backend with a
// stand-in window (app.ts, window.ts) and a headless browser (browser.ts), started before the
// file's tests and stopped after them (node:test hooks).
import { after, before } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { startApp, type RunningAppWithWindow } from './app.js'
import { launchBrowser } from './browser.js'
import type { WindowScript } from './window.js'

export interface AppAndBrowser {
  /** The running app: `url` to open, `window` for the commands it sent. Inside tests only. */
  readonly app: RunningAppWithWindow
  readonly browser: Browser
}

/**
 * For a test file in the app's `test/` folder: `appAndBrowser(import.meta.url)` runs the app
 * from the folder above it. `window` scripts the stand-in's dialogs (a test may change them later
 * through `app.window.dialogs`).
 */
export function appAndBrowser(testFileUrl: string, window: WindowScript = { dialogs: {} }): AppAndBrowser {
  const appDir = fileURLToPath(new URL('..', testFileUrl))
  let app: RunningAppWithWindow | undefined
  let browser: Browser | undefined
  before(async () => {
    app = await startApp(appDir, { window })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await app?.stop()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the app and browser start before the first test: use them inside a test')
    return value
  }
  return {
    get app() {
      return started(app)
    },
    get browser() {
      return started(browser)
    },
  }
}
