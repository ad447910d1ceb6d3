// End-to-end on the Extras page, as a user would, against a backend that delays every widgets
// message by 200 ms each way (what `npm run dev -- --latency 200` does): typing that is never
// lost or clobbered, debounced input, pending states, a client-owned region through 100 patches.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { startApp, type RunningApp } from '../taupy/testing/app.js'
import { launchBrowser } from '../taupy/testing/browser.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const latencyMs = 200
let app: RunningApp
let browser: Browser
const pageErrors: string[] = []
// The app's own temporary folder: where its uploads land, so the test can see them go.
const appTemp = mkdtempSync(join(tmpdir(), 'taupy-extras-tmp-'))
/** Files (not folders) under the app's temporary folder. */
const tempFiles = (): string[] => readdirSync(appTemp, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name)

before(async () => {
  app = await startApp(appDir, { env: { TAUPY_DEV: '1', TAUPY_LATENCY_MS: String(latencyMs), TMPDIR: appTemp } })
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await app?.stop()
  rmSync(appTemp, { recursive: true, force: true })
})

async function openExtras(): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text())
  })
  await page.goto(app.url.replace(/\/(\?|$)/, '/extras$1'))
  await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
  return page
}

const settled = (page: Page) => page.waitForFunction(() => !document.documentElement.hasAttribute('data-taupy-busy'))

test('the latency is simulated: a click takes two delays to come back', async () => {
  const page = await openExtras()
  const started = Date.now()
  await page.click('#add-point')
  await page.locator('#chart .point-count', { hasText: '5 points' }).waitFor()
  assert.ok(Date.now() - started >= 2 * latencyMs, `answered in ${Date.now() - started} ms`)
  await page.close()
})

test('typing 40 characters fast into a field the server rewrites: nothing lost, the caret stays', async () => {
  const page = await openExtras()
  const code = page.locator('#code')
  await code.click()
  const typed = 'abcdefghijklmnopqrst'
  // The caret is read after every key: it must always sit right after what was just typed.
  const carets: number[] = []
  for (const char of typed) {
    await code.press(char)
    carets.push(await code.evaluate((el: HTMLInputElement) => el.selectionStart ?? -1))
    await page.waitForTimeout(15)
  }
  assert.deepEqual(carets, typed.split('').map((_, i) => i + 1), 'the caret never jumped while typing at the end')
  await settled(page)
  assert.equal(await code.inputValue(), typed.toUpperCase(), 'the server rewrote it once typing stopped')

  // Twenty more in the middle of the text: the server's answers to older keys arrive while the
  // user types; none may overwrite newer text or move the caret to the end.
  await code.evaluate((el: HTMLInputElement) => el.setSelectionRange(10, 10))
  const middle: number[] = []
  for (const char of '01234567890123456789') {
    await code.press(char)
    middle.push(await code.evaluate((el: HTMLInputElement) => el.selectionStart ?? -1))
    await page.waitForTimeout(15)
  }
  assert.deepEqual(middle, Array.from({ length: 20 }, (_, i) => 11 + i))
  await settled(page)
  assert.equal(await code.inputValue(), 'ABCDEFGHIJ01234567890123456789KLMNOPQRST')
  assert.equal(await code.evaluate((el: HTMLInputElement) => el.selectionStart), 30, 'the final rewrite kept the caret where the user left it')
  await page.close()
})

test('a debounced search sends one event after the pause, with the whole text', async () => {
  const page = await openExtras()
  await page.locator('#search').pressSequentially('berry', { delay: 30 })
  await page.locator('#typing .found', { hasText: '1 found: blackberry' }).waitFor()
  await settled(page)
  assert.equal(await page.locator('#typing .searches').textContent(), '(1 searches)')
  await page.close()
})

test('pending states: marked until the ack, disabled with a label, a double click saves once', async () => {
  const page = await openExtras()
  const save = page.locator('#save')
  await save.dblclick()
  assert.equal(await save.getAttribute('data-taupy-pending'), '')
  assert.equal(await save.textContent(), 'Saving…')
  assert.ok(await save.isDisabled())
  await page.locator('#pending .saves', { hasText: 'Saved 1 times' }).waitFor()
  await page.locator('#save:not([data-taupy-pending])').waitFor()
  assert.equal(await save.textContent(), 'Save')
  assert.ok(await save.isEnabled())

  // A form submitted twice quickly (Enter twice, or a script) is handled once.
  await page.locator('#feedback textarea').fill('Nice demo')
  await page.locator('#feedback').evaluate((form: HTMLFormElement) => {
    form.requestSubmit()
    form.requestSubmit()
  })
  await page.locator('#feedback button[type=submit]', { hasText: 'Sending…' }).waitFor()
  await page.locator('#feedback:not([data-taupy-pending])').waitFor()
  await settled(page)
  assert.equal(await page.locator('#pending .sent').textContent(), '1 sent')
  assert.equal(await page.locator('#feedback button[type=submit]').textContent(), 'Send')
  await page.close()
})

test('a client-drawn chart under ignore() keeps its DOM through 100 patches and sees new data', async () => {
  const page = await openExtras()
  const svg = page.locator('#sparkline svg')
  await svg.evaluate((el) => void Object.assign(el, { madeHere: true }))
  for (let i = 0; i < 100; i++) await page.locator('#add-point').dispatchEvent('click')
  await page.locator('#chart .point-count', { hasText: '30 points' }).waitFor()
  await settled(page)
  assert.equal(await svg.evaluate((el) => (el as unknown as { madeHere?: boolean }).madeHere), true, 'the same SVG element')
  assert.equal(await page.locator('#sparkline rect').count(), 30, 'redrawn from the updated data-points')
  await page.close()
})

test('client commands: Help opens and closes with no message to the server, and survives patches', async () => {
  const page = await browser.newPage()
  let framesSent = 0
  page.on('websocket', (socket) => socket.on('framesent', () => framesSent++))
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(app.url.replace(/\/(\?|$)/, '/extras$1'))
  await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
  await settled(page)
  const before = framesSent
  await page.click('#help-toggle')
  assert.ok(await page.locator('#help').isVisible())
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'help-close', 'focus moved into the panel')
  assert.match((await page.locator('#help-toggle').getAttribute('class')) ?? '', /taupy-primary/)
  assert.equal(framesSent, before, 'nothing was sent')
  // The server re-renders the section: the open panel and the toggled class stay.
  await page.click('#server-click')
  await page.locator('#server-click', { hasText: 'Server clicks: 1' }).waitFor()
  assert.ok(await page.locator('#help').isVisible())
  assert.match((await page.locator('#help-toggle').getAttribute('class')) ?? '', /taupy-primary/)
  await page.focus('#help-close')
  await page.keyboard.press('Enter')
  await page.locator('#help').waitFor({ state: 'hidden' })
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'help-toggle')
  await page.close()
})

test('uploads: three files with progress reach the handler, one too large is refused, temp files are removed', async () => {
  const page = await openExtras()
  const progressSeen = page.locator('#uploads progress').first().waitFor({ state: 'attached' })
  await page.setInputFiles('#files', [
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('one\ntwo\nthree') },
    { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.alloc(300 * 1024, 7) },
    { name: 'readme.md', mimeType: 'text/markdown', buffer: Buffer.from('# Hi\n') },
    { name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(3 * 1024 * 1024, 97) },
  ])
  await progressSeen
  await page.locator('#uploads .received li', { hasText: 'photo.png' }).waitFor()
  assert.deepEqual(await page.locator('#uploads .received li').allTextContents(), ['notes.txt: 13 bytes, 3 lines', 'photo.png: 307200 bytes', 'readme.md: 5 bytes, 2 lines'])
  const list = page.locator('#uploads .taupy-upload-list li')
  assert.equal(await list.count(), 4)
  assert.match((await list.filter({ hasText: 'huge.txt' }).textContent()) ?? '', /huge\.txt is 3\.0 MB; the limit is 2\.0 MB/)
  assert.equal(await list.filter({ hasText: 'uploaded' }).count(), 3)
  await settled(page)
  assert.deepEqual(tempFiles(), [], 'the handler returned: its temporary files are gone')

  // A type outside `accept` is refused by the server too.
  await page.setInputFiles('#files', [{ name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') }])
  await list.filter({ hasText: 'this type of file is not accepted' }).waitFor()
  await page.close()
})

test('uploads: cancel stops the transfer and removes the partial file', async () => {
  const page = await openExtras()
  await page.setInputFiles('#files', [{ name: 'slow.txt', mimeType: 'text/plain', buffer: Buffer.alloc(1900 * 1024, 98) }])
  const progress = page.locator('#uploads progress')
  await page.waitForFunction(() => Number(document.querySelector<HTMLProgressElement>('#uploads progress')?.value) > 0)
  assert.ok(tempFiles().length === 1, 'a partial file while it is on its way')
  const shown = Number(await progress.getAttribute('value') ?? (await progress.evaluate((el: HTMLProgressElement) => el.value)))
  assert.ok(shown < 1900 * 1024)
  await page.click('#uploads .taupy-upload-list button')
  await page.locator('#uploads .taupy-upload-list li', { hasText: 'cancelled' }).waitFor()
  await settled(page)
  await page.waitForTimeout(2 * latencyMs)
  assert.deepEqual(tempFiles(), [], 'the cancelled file is removed')
  assert.equal(await page.locator('#uploads .received li', { hasText: 'slow.txt' }).count(), 0, 'nothing was delivered')
  await page.close()
})

test('more widgets: labelled for assistive technology and driven by the keyboard alone', async () => {
  const page = await openExtras()
  const more = page.locator('#more')
  const snapshot = await more.ariaSnapshot()
  for (const line of [
    'tablist "Examples"',
    'tab "Order" [selected]',
    'tab "Table"',
    'group "Size"',
    'radio "Medium" [checked]',
    'listbox "Toppings"',
    'option "cheese" [selected]',
    'spinbutton "Quantity"',
    'slider "Spice"',
    'textbox "Notes for the kitchen"',
    'button "Cancel the order…"',
  ]) {
    assert.ok(snapshot.includes(line), `${line} in:\n${snapshot}`)
  }
  assert.match(snapshot, /"Delivery date"/)
  const summary = more.locator('.summary')

  await page.focus('#size input[value=m]')
  await page.keyboard.press('ArrowRight')
  await summary.filter({ hasText: '1 × L with cheese' }).waitFor()
  await page.focus('#toppings')
  await page.keyboard.press('Shift+ArrowDown')
  await summary.filter({ hasText: 'with cheese, olives' }).waitFor()
  await page.focus('#quantity')
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('Tab')
  await summary.filter({ hasText: /^2 × L/ }).waitFor()
  await page.focus('#spice')
  await page.keyboard.press('ArrowRight')
  await summary.filter({ hasText: 'spice 3' }).waitFor()
  await page.locator('#date').fill('2027-03-14')
  await summary.filter({ hasText: 'on 2027-03-14' }).waitFor()
  await page.focus('#notes')
  await page.keyboard.type('No onions')
  await page.keyboard.press('Tab')
  await summary.filter({ hasText: '(9 characters of notes)' }).waitFor()

  // The modal: opened from the keyboard, focus inside, Escape closes it.
  await page.focus('#cancel-order')
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Cancel the order?' })
  await dialog.waitFor()
  assert.equal(await page.evaluate(() => Boolean(document.activeElement?.closest('dialog'))), true, 'focus is in the dialog')
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'detached' })
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'cancel-order', 'focus went back to the button that opened it')
  await page.focus('#cancel-order')
  await page.keyboard.press('Enter')
  await dialog.waitFor()
  await page.focus('#confirm-cancel')
  await page.keyboard.press('Enter')
  await dialog.waitFor({ state: 'detached' })
  const toast = page.getByRole('status').filter({ hasText: 'Order cancelled' })
  await toast.waitFor()
  await toast.getByRole('button', { name: 'Dismiss' }).press('Enter')
  await toast.waitFor({ state: 'detached' })

  // Tabs and the sortable table.
  await page.focus('#more-tabs-tab-table')
  await page.keyboard.press('Enter')
  const table = page.getByRole('table', { name: 'Planets' })
  await table.waitFor()
  assert.match(await table.ariaSnapshot(), /columnheader "Moons"/)
  const moons = page.getByRole('button', { name: 'Moons' })
  await moons.focus()
  await page.keyboard.press('Enter')
  await page.locator('th[aria-sort=ascending]', { hasText: 'Moons' }).waitFor()
  await page.keyboard.press('Enter')
  await page.locator('th[aria-sort=descending]', { hasText: 'Moons' }).waitFor()
  assert.equal(await table.locator('tbody tr').first().locator('td').first().textContent(), 'Jupiter')
  assert.equal(await page.getByRole('tab', { name: 'Table' }).getAttribute('aria-selected'), 'true')
  await page.close()
})

test('a stream: 1,000 appended rows (the browser keeps 500), edit, delete, prepend, reset; patches leave it alone', async () => {
  const page = await openExtras()
  const rows = page.locator('#log > li')
  await page.click('#log-add')
  await page.locator('#activity .total', { hasText: '1000 lines sent' }).waitFor()
  await settled(page)
  assert.equal(await rows.count(), 500, 'limit 500: the oldest went')
  assert.equal(await rows.first().textContent(), 'Line 501')
  assert.equal(await rows.last().textContent(), 'Line 1000')
  assert.equal(await rows.last().getAttribute('id'), 'log-1000')
  await page.click('#log-edit')
  await rows.last().filter({ hasText: 'Line 1000 (edited)' }).waitFor()
  await page.click('#log-delete')
  await rows.last().filter({ hasText: /^Line 999$/ }).waitFor()
  await page.click('#log-pin')
  await rows.first().filter({ hasText: 'Pinned note' }).waitFor()
  assert.equal(await rows.count(), 500)
  // A patch of the section (the count) keeps the rows.
  await page.click('#log-add')
  await page.locator('#activity .total', { hasText: '2000 lines sent' }).waitFor()
  await settled(page)
  assert.equal(await rows.last().textContent(), 'Line 2000')
  await page.click('#log-clear')
  await rows.first().waitFor({ state: 'detached' })
  await page.close()
})

test('no page error on the Extras page', () => {
  assert.deepEqual(pageErrors, [])
})
