// End-to-end: the built app in headless Chromium, every demo feature driven the way a user
// would, plus the things that must hold under stress: shared state across windows, escaping
// of typed markup, errors that leave the session alive, and recovery after a backend restart.
// The backend runs with a stand-in for the native window (taupy/testing/window.ts): window
// commands are recorded and dialogs answered as scripted here, so the window code is tested too.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { startApp, type RunningAppWithWindow } from '../taupy/testing/app.js'
import { launchBrowser } from '../taupy/testing/browser.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let app: RunningAppWithWindow
let browser: Browser
const pageErrors: string[] = []

// What the "user" answers in native dialogs; a test may change it (app.window.dialogs.confirm = false).
const windowScript = { dialogs: { confirm: true } }

before(async () => {
  app = await startApp(appDir, { window: windowScript })
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await app?.stop()
})

async function openApp(): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('dialog', (dialog) => {
    pageErrors.push(`a dialog opened: ${dialog.message()}`)
    void dialog.dismiss()
  })
  await page.goto(app.url)
  await connected(page)
  return page
}

const connected = (page: Page) => page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
const todoTexts = (page: Page) => page.locator('.todo-list li span').allTextContents()

test('the first request returns the fully rendered page (no script needed)', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false })
  const page = await context.newPage()
  await page.goto(app.url)
  assert.equal(new URL(page.url()).search, '', 'the secret is removed from the address')
  assert.equal(await page.locator('#counter .count').textContent(), '0')
  assert.equal(await page.locator('#todos h2').count(), 1)
  await context.close()
})

test('the counter counts', async () => {
  const page = await openApp()
  const count = page.locator('#counter .count')
  await page.click('#counter button[title=Increment]')
  await page.click('#counter button[title=Increment]')
  await page.click('#counter button[title=Increment]')
  await page.click('#counter button[title=Decrement]')
  await count.filter({ hasText: /^2$/ }).waitFor()
  await page.close()
})

test('client hooks: localTime shows local time at first paint and after patches, and tells the server its zone', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' })
  const page = await context.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text())
  })
  await page.goto(app.url)
  const time = page.locator('#counter time')
  // What the browser should show: the server renders UTC ("… UTC"), the hook the local time.
  const local = (iso: string | null) => new Intl.DateTimeFormat('en-GB', { timeStyle: 'medium', timeZone: 'Asia/Tokyo' }).format(new Date(iso ?? ''))
  const first = await time.getAttribute('datetime')
  await time.filter({ hasText: new RegExp(`^${local(first)}$`) }).waitFor()

  // mounted pushed the zone; the server's handler set it and the patch shows it.
  await page.locator('#counter .time-zone', { hasText: '(Asia/Tokyo)' }).waitFor()

  // A patch that changes the <time> keeps the element and runs `updated`, which formats again.
  // A JS property marks this very element (a patch would strip an attribute).
  await time.evaluate((el) => void Object.assign(el, { marked: true }))
  await page.click('#counter button[title=Increment]')
  await page.waitForFunction((before) => document.querySelector('#counter time')?.getAttribute('datetime') !== before, first)
  const second = await time.getAttribute('datetime')
  assert.equal(await time.textContent(), local(second), 'updated ran in the same task as the patch')
  assert.equal(await time.evaluate((el) => 'marked' in el), true, 'the same element: updated, not mounted again')
  await context.close()
})

test('todos: add by Enter and by button, toggle, filter, delete; typing is never interrupted', async () => {
  const page = await openApp()
  const input = page.locator('.new-todo')
  // Typed key by key while patches come back: the server must not move the caret or drop keys.
  await input.pressSequentially('Water the plants', { delay: 5 })
  assert.equal(await input.inputValue(), 'Water the plants')
  await input.press('Enter')
  await page.locator('.todo-list li', { hasText: 'Water the plants' }).waitFor()
  await page.waitForFunction(() => document.querySelector<HTMLInputElement>('.new-todo')?.value === '')
  await input.fill('Call the bank')
  await page.click('button.add')
  await page.locator('.todo-list li', { hasText: 'Call the bank' }).waitFor()
  assert.deepEqual(await todoTexts(page), ['Water the plants', 'Call the bank'])

  await page.locator('.todo-list li', { hasText: 'Water the plants' }).locator('input[type=checkbox]').check()
  await page.locator('.todo-list li.done', { hasText: 'Water the plants' }).waitFor()
  await page.locator('.remaining', { hasText: '1 item left' }).waitFor()

  await page.selectOption('select.filter', 'active')
  await page.locator('.todo-list li', { hasText: 'Water the plants' }).waitFor({ state: 'detached' })
  assert.deepEqual(await todoTexts(page), ['Call the bank'])
  await page.selectOption('select.filter', 'done')
  await page.locator('.todo-list li', { hasText: 'Call the bank' }).waitFor({ state: 'detached' })
  assert.deepEqual(await todoTexts(page), ['Water the plants'])
  await page.selectOption('select.filter', 'all')
  await page.locator('.todo-list li').nth(1).waitFor()

  await page.locator('.todo-list li', { hasText: 'Call the bank' }).locator('button.delete').click()
  await page.locator('.todo-list li', { hasText: 'Call the bank' }).waitFor({ state: 'detached' })
  assert.deepEqual(await todoTexts(page), ['Water the plants'])
  await page.close()
})

test('markup typed into a todo is shown as text and never runs', async () => {
  const page = await openApp()
  const evil = '<img src=x onerror="window.__pwned = true; alert(1)">'
  await page.locator('.new-todo').fill(evil)
  await page.locator('.new-todo').press('Enter')
  await page.locator('.todo-list li span', { hasText: evil }).waitFor()
  assert.equal(await page.locator('.todo-list img').count(), 0)
  assert.equal(await page.evaluate(() => (window as { __pwned?: boolean }).__pwned), undefined)
  await page.locator('.todo-list li', { hasText: evil }).locator('button.delete').click()
  await page.locator('.todo-list li', { hasText: evil }).waitFor({ state: 'detached' })
  await page.close()
})

test('two windows share the todo list live; each keeps its own counter', async () => {
  const first = await openApp()
  const second = await openApp()
  await first.locator('.new-todo').fill('Seen everywhere')
  await first.locator('.new-todo').press('Enter')
  await second.locator('.todo-list li', { hasText: 'Seen everywhere' }).waitFor()
  await second.locator('.todo-list li', { hasText: 'Seen everywhere' }).locator('input[type=checkbox]').check()
  await first.locator('.todo-list li.done', { hasText: 'Seen everywhere' }).waitFor()
  await first.click('#counter button[title=Increment]')
  await first.locator('#counter .count', { hasText: /^1$/ }).waitFor()
  assert.equal(await second.locator('#counter .count').textContent(), '0')
  await second.locator('.todo-list li', { hasText: 'Seen everywhere' }).locator('button.delete').click()
  await first.locator('.todo-list li', { hasText: 'Seen everywhere' }).waitFor({ state: 'detached' })
  await first.close()
  await second.close()
})

test('"Open About" opens a second window on its own page, with its own session; it closes and the app runs on', async () => {
  // Both windows' webviews share one cookie store (one web context), as under the launcher.
  const context = await browser.newContext()
  const main = await context.newPage()
  main.on('pageerror', (error) => pageErrors.push(error.message))
  await main.goto(app.url)
  await connected(main)
  await main.click('button.open-about')
  const created = await app.window.waitFor('create_window', (command) => command.window === 'about')
  assert.equal(created.url, '/about?window=about')
  assert.match(created.title ?? '', /^About /)
  const about = await context.newPage()
  about.on('pageerror', (error) => pageErrors.push(error.message))
  // What the launcher loads in the new window: that URL, signed in with the app secret as main's was.
  await about.goto(app.window.urlOf('about'))
  await connected(about)
  await about.getByRole('heading', { name: /^About / }).waitFor()
  await main.locator('button.open-about', { hasText: 'Show About' }).waitFor()

  await main.click('#counter button[title=Increment]')
  await main.locator('#counter .count', { hasText: /^1$/ }).waitFor()
  await about.click('#counter button[title=Increment]')
  await about.click('#counter button[title=Increment]')
  await about.locator('#counter .count', { hasText: /^2$/ }).waitFor()
  assert.equal(await main.locator('#counter .count').textContent(), '1', 'each window counts on its own')

  await main.click('button.open-about')
  await app.window.waitFor('focus', (command) => command.window === 'about')
  assert.equal(app.window.sent('create_window').length, 1, 'a second click brings the open window forward')

  await about.click('button.close-window')
  await app.window.waitFor('close_window', (command) => command.window === 'about')
  await main.locator('button.open-about', { hasText: 'Open About' }).waitFor()
  assert.deepEqual(app.window.windows, ['main'])
  await about.close()

  // The user closes it with the window's close button: not the last window, so it closes.
  await main.click('button.open-about')
  await app.window.waitFor('create_window', () => app.window.sent('create_window').length === 2)
  assert.equal(await app.window.requestClose('about'), 'closed')
  await main.locator('button.open-about', { hasText: 'Open About' }).waitFor()
  await context.close()
})

test('the form shows validation messages, keeps what was typed, and accepts valid input', async () => {
  const page = await openApp()
  await page.click('a[href="/form"]')
  await page.waitForURL(/\/form$/)
  await page.locator('#signup').waitFor()
  await page.fill('#signup input[name=name]', 'Ada')
  await page.click('#signup button[type=submit]')
  await page.locator('.taupy-error', { hasText: 'valid email' }).waitFor()
  assert.deepEqual(await page.locator('.taupy-error').allTextContents(), [
    'Please enter a valid email address.',
    'Please choose a plan.',
    'Please accept the terms.',
  ])
  assert.equal(await page.inputValue('#signup input[name=name]'), 'Ada', 'a re-render keeps what the user typed')

  await page.fill('#signup input[name=email]', 'ada@example.com')
  await page.selectOption('#signup select[name=plan]', 'pro')
  await page.fill('#signup textarea[name=notes]', 'Hello')
  await page.locator('#signup input[type=range]').fill('80')
  await page.locator('.volume', { hasText: '80' }).waitFor()
  await page.check('#signup input[name=terms]')
  await page.click('#signup button[type=submit]')
  await page.locator('.saved', { hasText: 'Thanks, Ada! We will write to ada@example.com about the pro plan.' }).waitFor()
  assert.equal(await page.locator('.taupy-error').count(), 0)

  // The router follows the history: back to the home page, forward to the form.
  await page.goBack()
  await page.locator('#counter').waitFor()
  await page.goForward()
  await page.locator('#signup').waitFor()
  assert.equal(new URL(page.url()).pathname, '/form')
  await page.close()
})

test('the window title can be set from the UI', async () => {
  const page = await openApp()
  await page.locator('.title-input').fill('Weekend plans — Notes')
  await page.click('button.set-title')
  await page.getByText('Title set to “Weekend plans — Notes”.').waitFor()
  await app.window.waitForTitle('Weekend plans — Notes')
  assert.equal(app.window.title, 'Weekend plans — Notes')
  await page.close()
})

test('"Clear done" asks in a native dialog first, and does nothing on No', async () => {
  const page = await openApp()
  await page.locator('.new-todo').fill('Pay the rent')
  await page.locator('.new-todo').press('Enter')
  await page.locator('.todo-list li', { hasText: 'Pay the rent' }).locator('input[type=checkbox]').check()
  await page.locator('.todo-list li.done', { hasText: 'Pay the rent' }).waitFor()

  const asked = app.window.sent('confirm_dialog').length
  app.window.dialogs.confirm = false
  await page.click('button.clear-done')
  const question = await app.window.waitFor('confirm_dialog', () => app.window.sent('confirm_dialog').length > asked)
  assert.match(question.message, /^Delete \d+ done todos?\?$/)
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(await page.locator('.todo-list li', { hasText: 'Pay the rent' }).count(), 1, 'No keeps the todo')

  app.window.dialogs.confirm = true
  await page.click('button.clear-done')
  await page.locator('.todo-list li', { hasText: 'Pay the rent' }).waitFor({ state: 'detached' })
  assert.equal(await page.locator('.todo-list li.done').count(), 0)
  await page.close()
})

test('without a window (a browser tab) "Clear done" clears at once: code that must run without one', async () => {
  const plain = await startApp(appDir)
  const page = await browser.newPage()
  try {
    await page.goto(plain.url)
    await connected(page)
    await page.locator('.new-todo').fill('Nobody asks')
    await page.locator('.new-todo').press('Enter')
    await page.locator('.todo-list li', { hasText: 'Nobody asks' }).locator('input[type=checkbox]').check()
    await page.click('button.clear-done')
    await page.locator('.todo-list li', { hasText: 'Nobody asks' }).waitFor({ state: 'detached' })
  } finally {
    await page.close()
    await plain.stop()
  }
})

test('without a window (a browser tab) "Open About" shows the About page in the tab', async () => {
  const plain = await startApp(appDir)
  const page = await browser.newPage()
  try {
    await page.goto(plain.url)
    await connected(page)
    await page.click('button.open-about')
    await page.getByRole('heading', { name: /^About / }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/about')
    assert.equal(await page.locator('button.close-window').count(), 0, 'no window of its own to close')
  } finally {
    await page.close()
    await plain.stop()
  }
})

test('a malformed message or an unknown handler gets an error; the session lives on', async () => {
  const page = await openApp()
  // No named functions in here: tsx would wrap them in a helper the page does not have.
  const replies = await page.evaluate(async () => {
    const socket = new WebSocket(`ws://${location.host}/ws?taupy=${sessionStorage.getItem('taupy')}`)
    const received: { type: string; code?: string; ref?: number }[] = []
    socket.onmessage = (event) => received.push(JSON.parse(event.data))
    await new Promise((resolve) => (socket.onopen = resolve))
    const sends: [number, string][] = [
      [0, 'not json'],
      [1, JSON.stringify({ type: 'event', ref: 1, target: 'c1.0', event: 'click' })],
      [2, JSON.stringify({ type: 'join', ref: 2, session: 'none', path: '/' })],
      [3, JSON.stringify({ type: 'event', ref: 3, target: 'c999.0', event: 'click' })],
    ]
    for (const [ref, text] of sends) {
      socket.send(text)
      while (!received.some((message) => message.ref === ref || (ref === 0 && message.code === 'bad_json'))) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    socket.close()
    return received
  })
  assert.equal(replies[0]?.code, 'bad_json')
  assert.equal(replies.find((message) => message.ref === 1)?.code, 'bad_message', 'events before the join are refused')
  assert.ok(replies.some((message) => message.type === 'ack' && message.ref === 2), 'the join is acknowledged')
  assert.deepEqual(replies.at(-1), { type: 'error', code: 'unknown_target', message: 'no click handler c999.0 in this page (it may have been re-rendered away)', ref: 3 })
  assert.match(app.stderr(), /no click handler c999\.0/, 'and it is logged')
  await page.click('#counter button[title=Increment]')
  await page.locator('#counter .count', { hasText: /^1$/ }).waitFor()
  await page.close()
})

test('when the backend restarts, the page shows it is reconnecting and recovers', async () => {
  const page = await openApp()
  const { port } = new URL(app.origin)
  const secret = new URL(app.url).searchParams.get('taupy')!
  await app.stop()
  await page.locator('html[data-taupy-connection="reconnecting"]').waitFor({ state: 'attached' })
  app = await startApp(appDir, { env: { TAUPY_DEV: '1', TAUPY_PORT: port, TAUPY_SECRET: secret }, window: windowScript })
  await connected(page)
  await page.click('#counter button[title=Increment]')
  await page.locator('#counter .count', { hasText: /^1$/ }).waitFor()
  // The new backend knew nothing of the viewer's time zone: the hook's `reconnected` told it.
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
  await page.locator('#counter .time-zone', { hasText: `(${zone})` }).waitFor()
  await page.locator('.new-todo').fill('After the restart')
  await page.locator('.new-todo').press('Enter')
  await page.locator('.todo-list li', { hasText: 'After the restart' }).waitFor()
  await page.close()
})

test('no page error along the way', () => {
  assert.deepEqual(pageErrors, [])
})
