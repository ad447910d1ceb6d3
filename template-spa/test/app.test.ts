// End to end against the production build: the built backend serves dist/web, headless Chromium
// drives the demo. Locators use roles, labels and test ids, which reach into shadow DOM too.
// The backend runs with a stand-in for the native window (taupy/testing/window.ts): window
// commands are recorded and dialogs answered as scripted here, so the window code is tested too.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { startApp, type RunningApp } from '../taupy/testing/app.js'
import { appAndBrowser } from '../taupy/testing/suite.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
// What the "user" answers in native dialogs; a test may change it (ui.app.window.dialogs.confirm = false).
const ui = appAndBrowser(import.meta.url, { dialogs: { confirm: true } })

async function openApp(path = '/', on: RunningApp = ui.app): Promise<Page> {
  const page = await ui.browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  Object.assign(page, { problems })
  const url = new URL(on.url)
  url.pathname = path
  await page.goto(url.href)
  await page.locator('#status', { hasText: 'connected' }).waitFor()
  return page
}
const problemsOf = (page: Page): string[] => (page as Page & { problems: string[] }).problems

test('the page connects over /ws with the secret out of the address and a strict CSP', async () => {
  const page = await openApp()
  assert.equal(new URL(page.url()).search, '', 'the secret is removed from the address')
  const response = await page.request.get(ui.app.origin + '/')
  assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self';/)
  assert.deepEqual(problemsOf(page), [], 'no console errors (CSP violations included)')
  await page.close()
})

test('counter: increment, decrement and reset through the backend', async () => {
  const page = await openApp()
  const count = page.getByTestId('count')
  await page.getByRole('button', { name: 'Reset' }).click()
  await assert.doesNotReject(count.filter({ hasText: /^0$/ }).waitFor())
  await page.getByRole('button', { name: 'Increment' }).click()
  await page.getByRole('button', { name: 'Increment' }).click()
  await page.getByRole('button', { name: 'Decrement' }).click()
  await count.filter({ hasText: /^1$/ }).waitFor()
  await page.close()
})

test('todos: add, toggle, filter and delete', async () => {
  const page = await openApp()
  const input = page.getByLabel('New todo')
  for (const text of ['Write docs', 'Ship it']) {
    await input.fill(text)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.getByText(text, { exact: true }).waitFor()
  }
  // click, not check(): the box follows server state, so it flips only when the backend answers.
  await page.getByRole('checkbox', { name: 'Write docs' }).click()
  await page.getByTestId('todo-summary').filter({ hasText: '1 left of 2' }).waitFor()
  // Saved in this test's own data folder (startApp never uses the developer's).
  const saved = JSON.parse(readFileSync(join(ui.app.dataDir, 'state.json'), 'utf8')) as { todos: { text: string; done: boolean }[] }
  assert.deepEqual(saved.todos.map((todo) => [todo.text, todo.done]), [['Write docs', true], ['Ship it', false]])

  await page.getByRole('button', { name: 'Active', exact: true }).click()
  await page.getByRole('checkbox', { name: 'Write docs' }).waitFor({ state: 'detached' })
  assert.equal(await page.getByRole('checkbox', { name: 'Ship it' }).count(), 1)
  await page.getByRole('button', { name: 'Done', exact: true }).click()
  await page.getByRole('checkbox', { name: 'Ship it' }).waitFor({ state: 'detached' })
  await page.getByRole('button', { name: 'All', exact: true }).click()

  await page.getByRole('button', { name: 'Delete Write docs' }).click()
  await page.getByTestId('todo-summary').filter({ hasText: '1 left of 1' }).waitFor()
  await page.getByRole('button', { name: 'Delete Ship it' }).click()
  await page.getByTestId('todo-summary').filter({ hasText: '0 left of 0' }).waitFor()
  await page.close()
})

test('form: errors show per field, a valid form is accepted by the backend', async () => {
  const page = await openApp()
  await page.getByLabel('Name').fill('A')
  await page.getByLabel('Email').fill('not-an-email')
  await page.getByLabel('Age').fill('7')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.getByText('Enter at least 2 characters.').waitFor()
  await page.getByText('Enter an email address like ada@example.com.').waitFor()
  await page.getByText('Enter an age from 13 to 130.').waitFor()

  await page.getByLabel('Name').fill('Ada')
  await page.getByLabel('Email').fill('ada@example.com')
  await page.getByLabel('Age').fill('36')
  await page.getByRole('button', { name: 'Sign up' }).click()
  await page.getByRole('status').filter({ hasText: 'Welcome, Ada!' }).waitFor()
  assert.equal(await page.getByText('Enter at least 2 characters.').count(), 0)
  await page.close()
})

test('two pages share server state live, across routes', async () => {
  const home = await openApp()
  const about = await openApp('/about')
  await about.getByRole('heading', { name: 'About' }).waitFor()
  const before = Number(await home.getByTestId('count').textContent())
  await home.getByRole('button', { name: 'Increment' }).click()
  await about.getByTestId('about-counter').filter({ hasText: new RegExp(`^${before + 1}$`) }).waitFor()

  // And the client-side router reaches the same page without a reload.
  await home.getByRole('link', { name: 'About' }).click()
  await home.getByTestId('about-counter').filter({ hasText: new RegExp(`^${before + 1}$`) }).waitFor()
  assert.equal(new URL(home.url()).pathname, '/about')
  await home.close()
  await about.close()
})

test('"Open About in a new window" opens a second native window on /about: its own page, the same server state', async () => {
  // Both windows' webviews share one cookie store (one web context), as under the launcher.
  const context = await ui.browser.newContext()
  const home = await context.newPage()
  await home.goto(ui.app.url)
  await home.locator('#status', { hasText: 'connected' }).waitFor()
  await home.getByRole('button', { name: 'Open About in a new window' }).click()
  const created = await ui.app.window.waitFor('create_window', (command) => command.window === 'about')
  assert.equal(created.url, '/about')
  assert.match(created.title ?? '', /^About /)

  // What the launcher loads in the new window: that URL, signed in with the app secret as main's was.
  const about = await context.newPage()
  await about.goto(ui.app.window.urlOf('about'))
  await about.locator('#status', { hasText: 'connected' }).waitFor()
  await about.getByRole('heading', { name: 'About' }).waitFor()
  const before = Number(await home.getByTestId('count').textContent())
  await home.getByRole('button', { name: 'Increment' }).click()
  await about.getByTestId('about-counter').filter({ hasText: new RegExp(`^${before + 1}$`) }).waitFor()

  await home.getByRole('button', { name: 'Open About in a new window' }).click()
  await ui.app.window.waitFor('focus', (command) => command.window === 'about')
  assert.equal(ui.app.window.sent('create_window').length, 1, 'a second click brings the open window forward')
  // The user closes it: not the last window, so it closes and the app runs on.
  assert.equal(await ui.app.window.requestClose('about'), 'closed')
  assert.deepEqual(ui.app.window.windows, ['main'])

  // The same from the menu bar's Window menu.
  ui.app.window.send({ type: 'menu_clicked', id: 'about', window: 'main' })
  await ui.app.window.waitFor('create_window', () => ui.app.window.sent('create_window').length === 2)
  assert.equal(await ui.app.window.requestClose('about'), 'closed')
  await context.close()
})

test('without a window (a browser tab) "Open About in a new window" shows the About page in the tab', async () => {
  const plain = await startApp(appDir)
  try {
    const page = await openApp('/', plain)
    await page.getByRole('button', { name: 'Open About in a new window' }).click()
    await page.getByTestId('about-counter').waitFor()
    assert.equal(new URL(page.url()).pathname, '/about')
    assert.equal(await page.locator('[role=alert]').count(), 0, 'no error shown: the tab is the answer')
    await page.close()
  } finally {
    await plain.stop()
  }
})

test('the window title is set from the UI through the backend', async () => {
  const page = await openApp()
  const other = await openApp()
  await page.getByLabel('New window title').fill('Weekend plans — Notes')
  await page.getByRole('button', { name: 'Set title' }).click()
  await ui.app.window.waitForTitle('Weekend plans — Notes')
  assert.equal(ui.app.window.title, 'Weekend plans — Notes', 'the native window got it')
  await other.getByTestId('title').filter({ hasText: 'Weekend plans — Notes' }).waitFor()
  await other.waitForFunction(() => document.title === 'Weekend plans — Notes')
  await page.close()
  await other.close()
})

async function addDoneTodo(page: Page, text: string): Promise<void> {
  await page.getByLabel('New todo').fill(text)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await page.getByRole('checkbox', { name: text }).click()
  await page.getByRole('checkbox', { name: text, checked: true }).waitFor()
}

test('"Clear done" asks in a native dialog first, and does nothing on No', async () => {
  const page = await openApp()
  await addDoneTodo(page, 'Pay the rent')

  const asked = ui.app.window.sent('confirm_dialog').length
  ui.app.window.dialogs.confirm = false
  await page.getByRole('button', { name: 'Clear done' }).click()
  const question = await ui.app.window.waitFor('confirm_dialog', () => ui.app.window.sent('confirm_dialog').length > asked)
  assert.match(question.message, /^Delete \d+ done todos?\?$/)
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(await page.getByRole('checkbox', { name: 'Pay the rent' }).count(), 1, 'No keeps the todo')

  ui.app.window.dialogs.confirm = true
  await page.getByRole('button', { name: 'Clear done' }).click()
  await page.getByRole('checkbox', { name: 'Pay the rent' }).waitFor({ state: 'detached' })
  await page.close()
})

test('without a window (a browser tab) "Clear done" clears at once: code that must run without one', async () => {
  const plain = await startApp(appDir)
  try {
    const page = await openApp('/', plain)
    await addDoneTodo(page, 'Nobody asks')
    await page.getByRole('button', { name: 'Clear done' }).click()
    await page.getByRole('checkbox', { name: 'Nobody asks' }).waitFor({ state: 'detached' })
    await page.close()
  } finally {
    await plain.stop()
  }
})

test('a server error shows in the UI and the app keeps working', async () => {
  const page = await openApp()
  await page.getByRole('button', { name: 'Call a failing function' }).click()
  await page.locator('[role=alert][data-error-code=handler_failed]').filter({ hasText: 'The backend failed on purpose' }).waitFor()
  await page.getByRole('button', { name: 'Increment' }).click()
  assert.equal(ui.app.child.exitCode, null, 'the backend is still running')
  await page.close()
})

test('Export… saves the todos where the save dialog says', async () => {
  const page = await openApp()
  await page.getByLabel('New todo').fill('Exported')
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  const target = join(ui.app.dataDir, 'my-todos.json')
  ui.app.window.dialogs.saveFile = target
  await page.getByRole('button', { name: 'Export…' }).click()
  await page.getByText(`Saved to ${target}`).waitFor()
  assert.equal((await ui.app.window.waitFor('save_file_dialog')).defaultPath, 'todos.json')
  const saved = JSON.parse(readFileSync(target, 'utf8')) as { text: string }[]
  assert.ok(saved.some((todo) => todo.text === 'Exported'))
  await page.close()
})

test('a failure with a declared code: exporting without a window fails with no_window, and the UI tells it apart', async () => {
  const plain = await startApp(appDir)
  try {
    const page = await openApp('/', plain)
    const exportButton = page.getByRole('button', { name: 'Export…' })
    await exportButton.click()
    await page.locator('[role=alert][data-error-code=no_window]').filter({ hasText: 'needs the app window' }).waitFor()
    await page.waitForFunction(() => document.documentElement.dataset.taupyConnection === 'open')
    assert.equal(await exportButton.isDisabled(), true, 'the UI acted on the code: no window, no export')
    assert.deepEqual(problemsOf(page), [])
    await page.close()
  } finally {
    await plain.stop()
  }
})
