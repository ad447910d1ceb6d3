// Windows launcher menus, tray icon and notifications under wine64 + Xvfb: the Win32 menu bar from `set_menu`, chosen with
// the real keyboard (xdotool: an accelerator through the accelerator table, F10 + arrows through
// the menu loop) → `menu_clicked`; `set_menu_item` in place; a context menu from `popup_menu`.
// The exe is the shipped one (launcher/prebuilt), kept in step with the sources by test/launcher.test.ts.
// --url mode on a closed port: no WebView2 under wine, the window and its menus are there anyway.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  closeWindow, ensureDisplay, findWindows, fixtureDir, launcherDir, sleep, startSession, stopDisplay, waitWindow, x, type Session,
  menuClicks, pressKeys, reply, send,
} from './fixtures/launcher/harness.js'
import { boot, createPrefix, haveWine, removePrefix, settle, windowsPath, wine64 } from './helpers/wine.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const canBuild = existsSync(rustc) && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const dir = mkdtempSync(join(tmpdir(), 'taupy-winshell-'))
// The shipped exe: test/launcher.test.ts fails when it is older than the sources, and
// test/launcher-windows.test.ts builds the same sources with rustc 1.63 itself.
const exe = join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')
const balloonClick = join(dir, 'win-balloon-click.exe')
const prefix = createPrefix('shell')


describe('windows launcher menus (rustc 1.63, wine64)', { skip: !(canBuild && haveWine) && 'needs Debian rustc/mingw and wine64', timeout: 600_000 }, () => {
  let s: Session | undefined
  let window = ''
  before(async () => {
    const h = spawnSync(rustc, ['--edition', '2021', '--target', 'x86_64-pc-windows-gnu', '-C', 'linker=x86_64-w64-mingw32-gcc',
      '-o', balloonClick, join(fixtureDir, 'win-balloon-click.rs')], { encoding: 'utf8', timeout: 120_000 })
    assert.equal(h.status, 0, h.stderr)
    await ensureDisplay()
    boot(prefix)
    s = startSession(wine64, [exe, '--title', 'Wine Menus', '--url', 'http://127.0.0.1:9/'], prefix.vars)
    await s.waitEvent('window_ready', 60_000)
    const box = await waitWindow('^WebView2 Runtime missing$', 30_000)
    closeWindow(box)
    window = await waitWindow('^Wine Menus$')
  })
  after(async () => {
    s?.child.kill('SIGKILL')
    await s?.exited
    settle(prefix)
    stopDisplay()
    removePrefix(prefix)
  })

  test('menu bar: accelerator and F10 + arrows give menu_clicked; set_menu_item in place', async () => {
    send(s!, { type: 'set_menu', id: 'm1', items: [
      { id: 'file', label: 'File', items: [
        { id: 'open', label: 'Open', accelerator: 'Ctrl+O' },
        { type: 'separator' },
        { id: 'wrap', label: 'Word wrap', type: 'checkbox', checked: true },
        { id: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
      ] },
    ] })
    assert.equal((await reply(s!, 'm1')).ok, true)
    await sleep(500)
    pressKeys(window, 80, 'ctrl+q')
    assert.deepEqual((await menuClicks(s!, 1))[0], { type: 'menu_clicked', id: 'quit', window: 'main' })
    pressKeys(window, 80, 'F10', 'Down', 'Down', 'Return') // Down opens File on Open; Down skips the separator
    assert.deepEqual((await menuClicks(s!, 2))[1], { type: 'menu_clicked', id: 'wrap', window: 'main', checked: false })
    send(s!, { type: 'set_menu_item', id: 'u1', item: 'open', enabled: false, label: 'Open (busy)' })
    assert.equal((await reply(s!, 'u1')).ok, true)
    pressKeys(window, 80, 'ctrl+o', 'ctrl+q')
    await menuClicks(s!, 3)
    await sleep(500)
    assert.deepEqual(s!.events.filter((e) => e.type === 'menu_clicked').slice(2).map((e) => e.id), ['quit'], 'a disabled item is not chosen')
    send(s!, { type: 'set_menu_item', id: 'u2', item: 'nope', enabled: false })
    assert.equal((await reply(s!, 'u2')).error?.code, 'unknown_menu_item')
  })

  test('a context menu at the pointer, chosen with the keyboard', async () => {
    x('xdotool', ['mousemove', '--window', window, '120', '120'])
    const before = s!.events.filter((e) => e.type === 'menu_clicked').length
    send(s!, { type: 'popup_menu', id: 'p1', items: [{ id: 'copy', label: 'Copy' }, { id: 'paste', label: 'Paste' }] })
    assert.equal((await reply(s!, 'p1')).ok, true)
    await sleep(800)
    x('xdotool', ['key', '--delay', '80', 'Down', 'Down', 'Return'])
    assert.deepEqual((await menuClicks(s!, before + 1))[before], { type: 'menu_clicked', id: 'paste', window: 'main' })
  })

  test('bad menus get an error; the launcher keeps answering', async () => {
    const deep = '{"label":"L","items":['.repeat(10_000) + '{"id":"leaf","label":"Leaf"}' + ']}'.repeat(10_000)
    s!.child.stdin!.write(`{"type":"set_menu","id":"deep","items":[${deep}]}\n`)
    send(s!, { type: 'set_menu', id: 'many', items: Array.from({ length: 20_000 }, (_, i) => ({ id: `i${i}`, label: 'I' })) })
    assert.match(await s!.waitFor((l) => l.includes('nesting too deep'), 10_000, 'stdout'), /"code":"malformed"/)
    assert.match(await s!.waitFor((l) => l.includes('"id":"many"'), 10_000, 'stdout'), /"code":"invalid_argument"/)
    send(s!, { type: 'set_title', id: 'alive', title: 'Wine Menus' })
    assert.equal((await reply(s!, 'alive')).ok, true)
  })

  test('tray: Shell_NotifyIconW icon in wine\'s system tray; clicks → tray_clicked, its menu → menu_clicked', async () => {
    send(s!, { type: 'set_tray', id: 't1', icon: windowsPath(join(fixtureDir, 'tray-icon.png')), tooltip: 'Wine tray',
      items: [{ id: 'show', label: 'Show window' }, { id: 'quit', label: 'Quit' }] })
    assert.equal((await reply(s!, 't1')).ok, true)
    // Without an XEmbed tray on the display, wine shows its icons in a window of its own.
    const tray = await waitWindow('^Wine System Tray$', 15_000)
    x('xdotool', ['mousemove', '--window', tray, '10', '10', 'click', '1'])
    assert.equal((await s!.waitEvent('tray_clicked')).button, 'left')
    const before = s!.events.filter((e) => e.type === 'menu_clicked').length
    x('xdotool', ['mousemove', '--window', tray, '10', '10', 'click', '3'])
    await sleep(800)
    x('xdotool', ['key', '--delay', '80', 'Down', 'Return'])
    assert.deepEqual((await menuClicks(s!, before + 1))[before], { type: 'menu_clicked', id: 'show', tray: true })
    assert.ok(s!.events.some((e) => e.type === 'tray_clicked' && e.button === 'right'))
    send(s!, { type: 'remove_tray', id: 'r1' })
    assert.equal((await reply(s!, 'r1')).ok, true)
    for (let i = 0; i < 40 && findWindows('^Wine System Tray$').length > 0; i++) await sleep(100)
    assert.deepEqual(findWindows('^Wine System Tray$'), [], 'the icon is gone (wine hides its empty tray)')
  })

  test('tray: a 50 MB icon and a file that is not a PNG are refused; the launcher keeps answering', async () => {
    const big = join(dir, 'big.png')
    const fd = openSync(big, 'w')
    ftruncateSync(fd, 50 * 1024 * 1024)
    closeSync(fd)
    const notPng = join(dir, 'fake.png')
    writeFileSync(notPng, 'not a png')
    send(s!, { type: 'set_tray', id: 'b1', icon: windowsPath(big) })
    send(s!, { type: 'set_tray', id: 'b2', icon: windowsPath(notPng) })
    send(s!, { type: 'set_tray', id: 'b3', icon: '/unix/path.png' })
    assert.match(JSON.stringify(await reply(s!, 'b1')), /invalid_argument.*52428800 bytes/)
    assert.match(JSON.stringify(await reply(s!, 'b2')), /invalid_argument.*not a PNG/)
    assert.match(JSON.stringify(await reply(s!, 'b3')), /invalid_argument.*absolute path/)
    send(s!, { type: 'set_title', id: 'alive2', title: 'Wine Menus' })
    assert.equal((await reply(s!, 'alive2')).ok, true)
  })

  test('notification: a balloon on a temporary tray icon; its click → notification_clicked; the icon goes', async () => {
    assert.deepEqual(findWindows('^Wine System Tray$'), [], 'no tray icon before')
    send(s!, { type: 'notify', id: 'n1', tag: 'export', title: 'Export finished', body: 'todos.json saved', icon: windowsPath(join(fixtureDir, 'tray-icon.png')) })
    assert.deepEqual(JSON.parse(await s!.waitFor((l) => l.includes('"id":"n1"'), 10_000, 'stdout')).result, { tag: 'export' })
    await waitWindow('^Wine System Tray$', 10_000) // the icon the balloon hangs on
    // Wine draws the balloon but never reports a click on it: the helper posts what Windows does.
    const r = spawnSync(wine64, [balloonClick], { env: { ...process.env, ...prefix.vars }, encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(await s!.waitEvent('notification_clicked'), { type: 'notification_clicked', id: 'export', action: 'default' })
    for (let i = 0; i < 40 && findWindows('^Wine System Tray$').length > 0; i++) await sleep(100)
    assert.deepEqual(findWindows('^Wine System Tray$'), [], 'the temporary icon is removed after the click')
    const big = join(dir, 'big.png')
    send(s!, { type: 'notify', id: 'n2', title: 'Too big', icon: windowsPath(big) })
    assert.match(JSON.stringify(await reply(s!, 'n2')), /invalid_argument.*52428800 bytes/)
  })
})
