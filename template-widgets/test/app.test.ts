import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { startApp, type RunningApp } from '../taupy/testing/app.js'
import { launchBrowser } from '../taupy/testing/browser.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let app: RunningApp
let browser: Browser

before(async () => {
  app = await startApp(appDir)
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await app?.stop()
})

test('the page connects to the backend over /ws', async () => {
  const page = await browser.newPage()
  await page.goto(app.url)
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  assert.equal(new URL(page.url()).search, '', 'the secret is removed from the address')
})
