// Dev mode: `taupy dev` runs the backend and Vite; editing a component updates the open page.
// Custom elements cannot be redefined, so Vite reloads a Lit page rather than patching it:
// the server state is what survives, because it lives in the backend.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { devSession, restartsQuietly, savesToTestData } from './dev-session.js'

const open = devSession('src/components/taupy-counter.ts')

test('editing a component updates the page and keeps server state', async () => {
  const { page, problems, editHeading } = await open()
  await editHeading()
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  await page.getByTestId('count').filter({ hasText: /^3$/ }).waitFor()
  assert.deepEqual(problems, [], 'no console errors (CSP violations included)')
})

test('a backend restart reconnects quietly: no proxy errors in the output, none in the console', async () => {
  await restartsQuietly(await open())
})

test('the dev backend saves into the data folder the test hands startDev, not the developer\'s', async () => {
  await savesToTestData(await open())
})
