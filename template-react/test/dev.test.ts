// Dev mode: `taupy dev` runs the backend and Vite; editing a component updates the open page
// through React Fast Refresh, without a reload, and the server state is still there.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { devSession } from './dev-session.js'

const open = devSession('src/components/Counter.tsx')

test('editing a component hot-updates the page and keeps server state', async () => {
  const { page, problems, editHeading } = await open()
  // A reload would clear these; Fast Refresh keeps the page (and its local state) alive.
  await page.evaluate(() => Object.assign(window, { notReloaded: true }))
  await page.getByLabel('New todo').fill('typed, not submitted')

  await editHeading()
  assert.equal(await page.getByTestId('count').textContent(), '3', 'server state survives')
  assert.equal(await page.evaluate(() => 'notReloaded' in window), true, 'updated in place, not reloaded')
  assert.equal(await page.getByLabel('New todo').inputValue(), 'typed, not submitted', 'component state survives')
  assert.deepEqual(problems, [], 'no console errors (CSP violations included)')
})
