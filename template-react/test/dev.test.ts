// Dev mode: `taupy dev` runs the backend and Vite; editing a component updates the open page
// through React Fast Refresh, without a reload, and the server state is still there.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { devSession, restartsQuietly, savesToTestData, until } from './dev-session.js'

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

test('editing src/backend.ts swaps the connection: the old socket closes, the values carry over', async () => {
  const session = await open()
  const { page, problems, sockets } = session
  // What the counter shows after every change to the page (a string: tsx's helpers do not exist in the page).
  await page.evaluate(`
    window.notReloaded = true
    window.countShown = []
    new MutationObserver(() => window.countShown.push(document.querySelector('[data-testid=count]')?.textContent ?? 'gone'))
      .observe(document.body, { subtree: true, childList: true, characterData: true })
  `)
  const opened = sockets.opened
  for (let save = 1; save <= 2; save++) {
    session.touch('src/backend.ts')
    await until(`save ${save} to open a new connection`, () => sockets.opened === opened + save)
  }
  await until('the old connections to close', () => sockets.open === 1, 5000)
  assert.equal(await page.evaluate(() => 'notReloaded' in window), true, 'hot-updated, not reloaded')
  const shown = await page.evaluate(() => (window as unknown as { countShown: string[] }).countShown)
  assert.deepEqual([...new Set(shown)], ['3'], 'the count never went back to "…" (or away)')
  await page.getByRole('button', { name: 'Increment' }).click()
  await page.getByTestId('count').filter({ hasText: /^4$/ }).waitFor()
  assert.deepEqual(problems, [])
})

test('a backend restart reconnects quietly: no proxy errors in the output, none in the console', async () => {
  await restartsQuietly(await open())
})

test('the dev backend saves into the data folder the test hands startDev, not the developer\'s', async () => {
  await savesToTestData(await open())
})
