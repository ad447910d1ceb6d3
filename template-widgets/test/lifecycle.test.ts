// The app's lifecycle and a large field, end to end: a keystroke in a 23 kB note bound the
// simple way (value + onInput) does not send the note back, and the note typed last is saved
// by the shutdown hook however the backend is stopped: SIGTERM, the launcher closing its pipe
// (what closing the window does), or the process that started it dying (the stdin lifeline).
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { startApp } from '../taupy/testing/app.js'
import { launchBrowser } from '../taupy/testing/browser.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let browser: Browser

before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
})

async function openNotes(url: string): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(url.replace(/\/(\?|$)/, '/extras$1'))
  await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
  return page
}

const settled = (page: Page) => page.waitForFunction(() => !document.documentElement.hasAttribute('data-taupy-busy'))

test('a keystroke in a 23 kB note bound with value + onInput is small both ways', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'taupy-notes-'))
  const app = await startApp(appDir, { env: { TAUPY_DATA_DIR: dataDir } })
  try {
    const page = await browser.newPage()
    const received: number[] = []
    const sent: number[] = []
    page.on('websocket', (socket) => {
      socket.on('framereceived', (frame) => received.push(Buffer.byteLength(String(frame.payload))))
      socket.on('framesent', (frame) => sent.push(Buffer.byteLength(String(frame.payload))))
    })
    await page.goto(app.url.replace(/\/(\?|$)/, '/extras$1'))
    await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
    const note = page.locator('#note')
    const long = 'A line of a long note, typed over weeks.\n'.repeat(580)
    await note.fill(long)
    await page.locator('#notes .note-status', { hasText: `${long.length} characters` }).waitFor()
    await settled(page)
    received.length = 0
    sent.length = 0
    await note.press('End')
    await note.pressSequentially('abc', { delay: 50 })
    await page.locator('#notes .note-status', { hasText: `${long.length + 3} characters` }).waitFor()
    await settled(page)
    const biggestReply = Math.max(...received)
    const biggestSent = Math.max(...sent)
    console.log(`# 23 kB note, per keystroke: at most ${biggestSent} B sent, ${biggestReply} B back`)
    assert.ok(biggestReply < 1000, `a reply of ${biggestReply} B: the note came back`)
    assert.ok(biggestSent < 500, `${biggestSent} B sent for one key: the whole note went`)
    assert.equal(await note.inputValue(), long + 'abc')
    await page.close()
  } finally {
    await app.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

test('after a backend restart, the first edit of a long note is sent whole (the new backend has no base)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'taupy-notes-'))
  let app = await startApp(appDir, { env: { TAUPY_DATA_DIR: dataDir, TAUPY_DEV: '1' } })
  try {
    const page = await openNotes(app.url)
    const note = page.locator('#note')
    const long = 'x'.repeat(2000)
    await note.fill(long)
    await page.locator('#notes .note-status', { hasText: '2000 characters' }).waitFor()
    await note.press('End')
    await note.press('y')
    await page.locator('#notes .note-status', { hasText: '2001 characters' }).waitFor()
    const port = new URL(app.url).port
    const secret = new URL(app.url).searchParams.get('taupy')!
    await app.stop()
    await page.locator('html[data-taupy-connection="reconnecting"]').waitFor({ state: 'attached' })
    app = await startApp(appDir, { env: { TAUPY_DATA_DIR: dataDir, TAUPY_DEV: '1', TAUPY_PORT: port, TAUPY_SECRET: secret } })
    await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
    await settled(page)
    await note.press('End')
    await note.press('z')
    await page.locator('#notes .note-status', { hasText: '2002 characters' }).waitFor()
    await settled(page)
    assert.equal(await note.inputValue(), `${long}yz`)
    await page.close()
  } finally {
    await app.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

const stops: [string, NodeJS.ProcessEnv, (app: Awaited<ReturnType<typeof startApp>>) => Promise<void>][] = [
  ['SIGTERM', {}, (app) => app.stop()],
  // What the launcher does when the window closes: it ends the backend's stdin.
  ['the window closing (launcher pipe closed)', { TAUPY_LAUNCHER: '1' }, async (app) => void app.child.stdin?.end()],
  ['the parent dying (stdin lifeline)', { TAUPY_LIFELINE: 'stdin' }, async (app) => void app.child.stdin?.end()],
]

for (const [how, env, stop] of stops) {
  test(`the shutdown hook saves the note on ${how}`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'taupy-notes-'))
    const app = await startApp(appDir, { env: { TAUPY_DATA_DIR: dataDir, ...env } })
    try {
      const page = await openNotes(app.url)
      const text = `Saved on ${how}`
      await page.locator('#note').fill(text)
      await page.locator('#notes .note-status', { hasText: `${text.length} characters` }).waitFor()
      // Stopped well before the one-second autosave: only the shutdown hook can have saved it.
      const exited = new Promise((resolve) => app.child.once('exit', resolve))
      await stop(app)
      if (app.child.exitCode === null && app.child.signalCode === null) await exited
      assert.equal(readFileSync(join(dataDir, 'note.txt'), 'utf8'), text)
      await page.close()
    } finally {
      await app.stop()
      if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true })
    }
  })
}
