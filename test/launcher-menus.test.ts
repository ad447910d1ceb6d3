// Linux launcher menus under Xvfb: the menu bar and context menus from `set_menu` /
// `popup_menu`, items chosen with the real keyboard (xdotool, XTEST) → `menu_clicked`;
// `set_menu_item` updates in place; bad menus get an `error` and the launcher keeps going.
// --url mode: commands on the launcher's stdin, events on its stdout.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  ensureDisplay, have, launcherDir, sleep, startSession, stopDisplay, waitWindow, x, type Session,
  closeAndEnd, menuClicks, pressKeys, reply as replyTo, send,
} from './fixtures/launcher/harness.js'

const bin = process.env.TAUPY_LAUNCHER_BIN ?? join(launcherDir, 'prebuilt', 'linux-x64', 'taupy-launcher')
const runnable = process.platform === 'linux' && have('xdotool') && have('Xvfb')

const fileMenu = [
  {
    id: 'file', label: 'File', items: [
      { id: 'open', label: 'Open', accelerator: 'Ctrl+O' },
      { type: 'separator' },
      { id: 'wrap', label: 'Word wrap', type: 'checkbox', checked: true },
      { id: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
    ],
  },
  { id: 'help', label: 'Help', items: [{ id: 'about', label: 'About' }] },
]

let server: Server
let url = ''
/** Menu commands answer at once: 5 s, not the harness's 10. */
const reply = (s: Session, id: string, timeoutMs = 5000) => replyTo(s, id, timeoutMs)

async function start(title: string): Promise<{ s: Session; window: string }> {
  const s = startSession(bin, ['--title', title, '--url', url])
  await s.waitEvent('page_loaded')
  const window = await waitWindow(`^${title}$`)
  return { s, window }
}

describe('launcher menus (Linux, Xvfb)', { skip: !runnable && 'needs Linux, Xvfb and xdotool', timeout: 120_000 }, () => {
  before(async () => {
    await ensureDisplay()
    server = createServer((_q, res) => res.end('<title>menus</title><p>menus')).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
  })
  after(() => {
    server?.close()
    stopDisplay()
  })

  test('a menu bar: accelerators and F10 + arrows choose items; set_menu_item updates in place', async () => {
    const { s, window } = await start('Menu Bar')
    try {
      assert.equal(s.events.find((e) => e.type === 'window_ready')?.protocol, 2)
      send(s, { type: 'set_menu', id: 'm1', items: fileMenu })
      assert.equal((await reply(s, 'm1')).ok, true)
      await sleep(300)
      pressKeys(window, 60, 'ctrl+q')
      assert.deepEqual((await menuClicks(s, 1, 5000))[0], { type: 'menu_clicked', id: 'quit', window: 'main' })
      // F10 opens File; Down selects Open, Down Down skips the separator to the checkbox.
      pressKeys(window, 60, 'F10', 'Down', 'Down', 'Return')
      assert.deepEqual((await menuClicks(s, 2, 5000))[1], { type: 'menu_clicked', id: 'wrap', window: 'main', checked: false })
      send(s, { type: 'set_menu_item', id: 'u1', item: 'open', enabled: false, label: 'Open (busy)' })
      assert.equal((await reply(s, 'u1')).ok, true)
      send(s, { type: 'set_menu_item', id: 'u2', item: 'wrap', checked: true })
      assert.equal((await reply(s, 'u2')).ok, true)
      pressKeys(window, 60, 'ctrl+o', 'ctrl+q')
      const after = await menuClicks(s, 3, 5000)
      await sleep(300)
      assert.deepEqual(s.events.filter((e) => e.type === 'menu_clicked').slice(2).map((e) => e.id), ['quit'],
        'a disabled item is not chosen, and checking an item from the backend is no click')
      send(s, { type: 'set_menu_item', id: 'u3', item: 'nope', enabled: false })
      assert.equal((await reply(s, 'u3')).error?.code, 'unknown_menu_item')
      assert.equal(after.length, 3)
      send(s, { type: 'set_menu', id: 'm2', items: [] })
      assert.equal((await reply(s, 'm2')).ok, true)
      pressKeys(window, 60, 'ctrl+q')
      await sleep(400)
      assert.equal(s.events.filter((e) => e.type === 'menu_clicked').length, 3, 'no menu, no accelerator')
    } finally {
      await closeAndEnd(s, window)
    }
  })

  test('a context menu at the pointer; chosen with the keyboard', async () => {
    const { s, window } = await start('Context Menu')
    try {
      x('xdotool', ['mousemove', '--window', window, '100', '100'])
      send(s, { type: 'popup_menu', id: 'p1', items: [
        { id: 'cut', label: 'Cut', enabled: false }, { id: 'copy', label: 'Copy' }, { id: 'paste', label: 'Paste' },
      ] })
      assert.equal((await reply(s, 'p1')).ok, true)
      await sleep(300)
      x('xdotool', ['key', '--delay', '60', 'Down', 'Down', 'Return'])
      assert.deepEqual((await menuClicks(s, 1, 5000))[0], { type: 'menu_clicked', id: 'paste', window: 'main' })
    } finally {
      await closeAndEnd(s, window)
    }
  })

  test('the page asks for a context menu itself (window.taupy.popupMenu); bad ones are reported', async () => {
    const { s, window } = await start('Page Menu')
    try {
      x('xdotool', ['mousemove', '--window', window, '150', '150'])
      // As a page's contextmenu handler would; eval only stands in for the user's right click.
      send(s, { type: 'eval', id: 'e1', script: 'window.taupy.popupMenu([{ id: "rename", label: "Rename" }, { id: "remove", label: "Remove" }]), 1' })
      await reply(s, 'e1')
      await sleep(400)
      x('xdotool', ['key', '--delay', '60', 'Down', 'Down', 'Return'])
      assert.deepEqual((await menuClicks(s, 1, 5000))[0], { type: 'menu_clicked', id: 'remove', window: 'main' })
      send(s, { type: 'eval', id: 'e2', script: 'window.taupy.popupMenu([{ label: "no id" }]), 1' })
      const error = await s.waitFor((l) => l.includes('taupy.popupMenu from the page'), 5000, 'stdout')
      assert.match(error, /"code":"invalid_argument"/)
    } finally {
      await closeAndEnd(s, window)
    }
  })

  test('bad menus are refused with an error and the launcher keeps running', async () => {
    const { s, window } = await start('Bad Menus')
    try {
      // 10,000 levels: built as text (JSON.stringify itself would overflow its stack).
      const deep = '{"label":"L","items":['.repeat(10_000) + '{"id":"leaf","label":"Leaf"}' + ']}'.repeat(10_000)
      s.child.stdin!.write(`{"type":"set_menu","id":"deep","items":[${deep}]}\n`)
      const many = Array.from({ length: 20_000 }, (_, i) => ({ id: `i${i}`, label: `Item ${i}` }))
      send(s, { type: 'set_menu', id: 'many', items: many })
      let nine: object = { id: 'leaf', label: 'Leaf' }
      for (let i = 0; i < 9; i++) nine = { label: `L${i}`, items: [nine] }
      send(s, { type: 'popup_menu', id: 'nine', items: [nine] })
      send(s, { type: 'set_menu', id: 'long', items: [{ id: 'x', label: 'x'.repeat(100_000) }] })
      send(s, { type: 'set_menu', id: 'dup', items: [{ id: 'a', label: 'A' }, { id: 'a', label: 'B' }] })
      const errors = async (id: string) => {
        const line = await s.waitFor((l) => l.includes(`"id":"${id}"`), 10_000, 'stdout')
        return (JSON.parse(line) as { code: string }).code
      }
      // Nesting beyond the JSON parser's limit: refused before its id is read.
      assert.match(await s.waitFor((l) => l.includes('nesting too deep'), 10_000, 'stdout'), /"code":"malformed"/)
      for (const id of ['many', 'nine', 'long', 'dup']) assert.equal(await errors(id), 'invalid_argument', id)
      send(s, { type: 'eval', id: 'alive', script: '6 * 7' })
      assert.match(await s.waitFor((l) => l.includes('"id":"alive"'), 5000, 'stdout'), /"result":42/)
    } finally {
      await closeAndEnd(s, window)
    }
  })
})
