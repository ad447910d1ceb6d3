// End to end against the production build: the built backend serves dist/web, headless Chromium
// drives the page. Locators use roles and test ids, which reach into shadow DOM too. The backend
// runs with a stand-in for the native window (taupy/testing/window.ts): script its dialogs in
// appAndBrowser's second argument and check the commands it got in `app.window`
// (taupy/docs/window-api.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { appAndBrowser } from '../taupy/testing/suite.js'

const ui = appAndBrowser(import.meta.url)

test('the page connects and the counter counts in the backend', async () => {
  const page = await ui.browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())))
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(ui.app.url)
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  await page.getByRole('button', { name: 'Count' }).click()
  await page.getByTestId('count').filter({ hasText: /^1$/ }).waitFor()
  assert.deepEqual(problems, [], 'no console errors (CSP violations included)')
  assert.deepEqual(ui.app.window.commands, [], 'no window command yet')
  await page.close()
})
