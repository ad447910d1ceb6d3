// End to end: the built app in headless Chromium, driven the way a user would. The backend runs
// with a stand-in for the native window (taupy/testing/window.ts): script its dialogs in
// appAndBrowser's second argument and check the commands it got in `app.window`
// (taupy/docs/window-api.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { appAndBrowser } from '../taupy/testing/suite.js'

const ui = appAndBrowser(import.meta.url)

test('the page connects and the button counts', async () => {
  const page = await ui.browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(ui.app.url)
  await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
  await page.click('button.count-button')
  await page.locator('output.count', { hasText: /^1$/ }).waitFor()
  assert.deepEqual(errors, [])
  assert.deepEqual(ui.app.window.commands, [], 'no window command yet')
  await page.close()
})
