// End to end: the built app in headless Chromium, driven the way a user would. The backend runs
// with a stand-in for the native window (taupy/testing/window.ts): script its dialogs in
// `window` and check the commands it got in `app.window` (taupy/docs/window-api.md).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { startApp, type RunningAppWithWindow } from '../taupy/testing/app.js'
import { launchBrowser } from '../taupy/testing/browser.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let app: RunningAppWithWindow
let browser: Browser

before(async () => {
  app = await startApp(appDir, { window: { dialogs: {} } })
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await app?.stop()
})

test('the page connects and the button counts', async () => {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(app.url)
  await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
  await page.click('button.count-button')
  await page.locator('output.count', { hasText: /^1$/ }).waitFor()
  assert.deepEqual(errors, [])
  assert.deepEqual(app.window.commands, [], 'no window command yet')
  await page.close()
})
