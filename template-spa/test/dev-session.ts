// Shared by the React and Lit dev-mode tests: `taupy dev` with the counter at 3 in a Chromium
// page, and edits of the app's files (put back after the tests). What each framework then keeps
// is its test's call.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../taupy/testing/browser.js'
import { startDev, type RunningDev } from '../taupy/vite/testing.js'

export interface DevSession {
  page: Page
  dev: RunningDev
  /** The backend's app data folder: the test's own, handed to startDev in its environment. */
  dataDir: string
  /** Console errors seen so far (CSP violations and failed WebSockets included). */
  problems: string[]
  /** The page's /ws sockets now open, and opened in all. */
  sockets: { open: number; opened: number }
  /** Renames the "Counter" heading in the component file and waits for the page to show it. */
  editHeading(): Promise<void>
  /** Appends a line to an app file (path from the app folder), as a save in the editor does. */
  touch(path: string): void
}

/** Registers before/after hooks; call at the top level of a test file. */
export function devSession(componentPath: string): () => Promise<DevSession> {
  const appDir = fileURLToPath(new URL('..', import.meta.url))
  const originals = new Map<string, string>()
  const write = (path: string, change: (text: string) => string): void => {
    const file = fileURLToPath(new URL(`../${path}`, import.meta.url))
    if (!originals.has(file)) originals.set(file, readFileSync(file, 'utf8'))
    writeFileSync(file, change(readFileSync(file, 'utf8')))
  }
  let dev: RunningDev
  let browser: Browser
  const dataDir = mkdtempSync(join(tmpdir(), 'taupy-dev-data-'))
  before(async () => {
    dev = await startDev(appDir, { env: { TAUPY_DATA_DIR: dataDir } })
    browser = await launchBrowser()
  })
  after(async () => {
    for (const [file, text] of originals) writeFileSync(file, text)
    await browser?.close()
    await dev?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return async () => {
    const page = await browser.newPage()
    const problems: string[] = []
    const sockets = { open: 0, opened: 0 }
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())))
    page.on('websocket', (socket) => {
      if (new URL(socket.url()).pathname !== '/ws') return
      sockets.open += 1
      sockets.opened += 1
      socket.on('close', () => (sockets.open -= 1))
    })
    await page.goto(dev.url)
    await page.locator('#status', { hasText: 'connected' }).waitFor()
    await page.getByRole('button', { name: 'Reset' }).click()
    await page.getByTestId('count').filter({ hasText: /^0$/ }).waitFor()
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Increment' }).click()
    await page.getByTestId('count').filter({ hasText: /^3$/ }).waitFor()
    return {
      page,
      dev,
      dataDir,
      problems,
      sockets,
      async editHeading() {
        write(componentPath, (text) => {
          if (!text.includes('<h2>Counter</h2>')) throw new Error(`${componentPath} has no <h2>Counter</h2> to edit`)
          return text.replace('<h2>Counter</h2>', '<h2>Counter, edited</h2>')
        })
        await page.getByRole('heading', { name: 'Counter, edited' }).waitFor()
      },
      touch: (path) => write(path, (text) => `${text}\n// saved again by the dev test\n`),
    }
  }
}

/** Waits until `check` holds, polling; throws with `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
  }
}

/**
 * A save in server/ restarts the backend: the page reconnects (and reloads for the new build)
 * without an error in its console or a proxy stack trace in the dev output.
 */
export async function restartsQuietly(session: DevSession): Promise<void> {
  const { page, dev, problems, sockets } = session
  const opened = sockets.opened
  const before = dev.output().length
  session.touch('server/main.ts')
  await until('the page to reconnect to the restarted backend', () => sockets.opened > opened)
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  await page.getByTestId('count').filter({ hasText: /^\d+$/ }).waitFor()
  const output = dev.output().slice(before)
  if (/proxy error|ECONNREFUSED|ECONNRESET|\n\s+at /.test(output)) throw new Error(`the dev output is not quiet:\n${output}`)
  if (problems.length > 0) throw new Error(`the page logged errors:\n${problems.join('\n')}`)
}

/** The backend started by `taupy dev` saves into the data folder the test gave it, nowhere else. */
export async function savesToTestData({ page, dataDir }: DevSession): Promise<void> {
  await page.getByLabel('New todo').fill('Saved by the dev test')
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await page.getByText('Saved by the dev test', { exact: true }).waitFor()
  const file = join(dataDir, 'state.json')
  await until('the todos to be saved', () => existsSync(file) && readFileSync(file, 'utf8').includes('Saved by the dev test'))
}
