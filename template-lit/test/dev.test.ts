// Dev mode: `taupy dev` runs the backend and Vite; editing a component updates the open page.
// Custom elements cannot be redefined, so Vite reloads a Lit page rather than patching it:
// the server state is what survives, because it lives in the backend.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../taupy/testing/browser.js'
import { startDev, type RunningDev } from '../taupy/vite/testing.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const component = fileURLToPath(new URL('../src/components/taupy-counter.ts', import.meta.url))
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

test('editing a component updates the page and keeps server state', async () => {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())))
  await page.goto(dev.url)
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  await page.getByRole('button', { name: 'Reset' }).click()
  await page.getByTestId('count').filter({ hasText: /^0$/ }).waitFor()
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Increment' }).click()
  await page.getByTestId('count').filter({ hasText: /^3$/ }).waitFor()

  assert.ok(original.includes('<h2>Counter</h2>'))
  writeFileSync(component, original.replace('<h2>Counter</h2>', '<h2>Counter, edited</h2>'))
  await page.getByRole('heading', { name: 'Counter, edited' }).waitFor()
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  await page.getByTestId('count').filter({ hasText: /^3$/ }).waitFor()
  assert.deepEqual(problems, [], 'no console errors (CSP violations included)')
})
