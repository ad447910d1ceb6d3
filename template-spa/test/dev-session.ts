// Shared by the React and Lit dev-mode tests: `taupy dev` with the counter at 3 in a Chromium
// page, and an edit of a component's heading. What each framework then keeps is its test's call.
import { readFileSync, writeFileSync } from 'node:fs'
import { after, before } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../taupy/testing/browser.js'
import { startDev, type RunningDev } from '../taupy/vite/testing.js'

export interface DevSession {
  page: Page
  /** Console errors seen so far (CSP violations included). */
  problems: string[]
  /** Renames the "Counter" heading in the component file and waits for the page to show it. */
  editHeading(): Promise<void>
}

/** Registers before/after hooks; call at the top level of a test file. */
export function devSession(componentPath: string): () => Promise<DevSession> {
  const appDir = fileURLToPath(new URL('..', import.meta.url))
  const component = fileURLToPath(new URL(`../${componentPath}`, import.meta.url))
  const original = readFileSync(component, 'utf8')
  let dev: RunningDev
  let browser: Browser
  before(async () => {
    dev = await startDev(appDir)
    browser = await launchBrowser()
  })
  after(async () => {
    writeFileSync(component, original)
    await browser?.close()
    await dev?.stop()
  })
  return async () => {
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())))
    await page.goto(dev.url)
    await page.locator('#status', { hasText: 'connected' }).waitFor()
    await page.getByRole('button', { name: 'Reset' }).click()
    await page.getByTestId('count').filter({ hasText: /^0$/ }).waitFor()
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Increment' }).click()
    await page.getByTestId('count').filter({ hasText: /^3$/ }).waitFor()
    return {
      page,
      problems,
      async editHeading() {
        if (!original.includes('<h2>Counter</h2>')) throw new Error(`${componentPath} has no <h2>Counter</h2> to edit`)
        writeFileSync(component, original.replace('<h2>Counter</h2>', '<h2>Counter, edited</h2>'))
        await page.getByRole('heading', { name: 'Counter, edited' }).waitFor()
      },
    }
  }
}
