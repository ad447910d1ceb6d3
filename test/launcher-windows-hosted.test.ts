// The Windows launcher with a webview (the stand-in WebView2 runtime, fixtures/launcher/fake-webview2.c)
// under wine64 + Xvfb: what needs a page in the window. Menu accelerators while the page has the
// keyboard focus (WebView2's AcceleratorKeyPressed: the keys go to the browser's window, never
// through the launcher's message loop), and more windows (create_window: one WebView2 environment
// for all, commands and events by window id, closing a window that is not the last).
// The exe is the shipped one (launcher/prebuilt), kept in step with the sources by test/launcher.test.ts.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  closeWindow, ensureDisplay, findWindows, fixtureDir, launcherDir, sleep, startSession, stopDisplay, waitWindow, windowName, x, type Session,
  reply, send, exitsCleanlyUnderWine,
} from './fixtures/launcher/harness.js'
import { buildStandIn, installRuntimes, standard } from './helpers/webview2-standin.js'
import { boot, createPrefix, haveWine, removePrefix, settle, windowsPath, wine64 } from './helpers/wine.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const canBuild = existsSync(rustc) && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const exe = join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')
const dir = mkdtempSync(join(tmpdir(), 'taupy-winhosted-'))
const fakeDll = join(dir, 'EmbeddedBrowserWebView.dll')
const prefix = createPrefix('hosted')

function events(s: Session, type: string): Array<Record<string, unknown>> {
  return s.events.filter((e) => e.type === type)
}
/** The X window a window is transient for (wine maps a Win32 owner to WM_TRANSIENT_FOR), or NaN. */
function transientFor(id: string): number {
  return Number(/window id # (0x[0-9a-f]+)/.exec(x('xprop', ['-id', id, 'WM_TRANSIENT_FOR']))?.[1])
}
async function stop(s: Session): Promise<void> {
  s.child.kill('SIGKILL')
  await s.exited
  settle(prefix)
}

describe('windows launcher with a webview (stand-in WebView2, wine64)', { skip: !(canBuild && haveWine) && 'needs mingw and wine64', timeout: 600_000 }, () => {
  before(async () => {
    buildStandIn(fakeDll)
    await ensureDisplay()
    boot(prefix)
    installRuntimes(prefix, fakeDll, dir, [standard])
  })
  after(() => {
    stopDisplay()
    removePrefix(prefix)
    rmSync(dir, { recursive: true, force: true })
  })

  test('menu accelerators fire while the page has the keyboard focus (AcceleratorKeyPressed)', async () => {
    const s = startSession(wine64, [exe, '--title', 'Wine Keys', '--url', 'http://127.0.0.1:9/?taupy=keys'], prefix.vars)
    try {
      await s.waitEvent('page_loaded', 60_000)
      send(s, { type: 'set_menu', id: 'm', items: [{ id: 'file', label: 'File', items: [
        { id: 'find', label: 'Find', accelerator: 'Ctrl+Shift+F' },
        { id: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
      ] }] })
      assert.equal((await reply(s, 'm')).ok, true)
      // Ctrl+Q typed in the page: the launcher takes it (Handled), the page never sees it.
      send(s, { type: 'post_message', data: 'fake:key:81:ctrl' })
      await s.waitFor((l) => l.startsWith('FAKE key 0x51 '), 10_000)
      assert.ok(s.stderr.includes('FAKE key 0x51 handled'), s.stderr.filter((l) => l.startsWith('FAKE key')).join('\n'))
      assert.deepEqual(events(s, 'menu_clicked'), [{ type: 'menu_clicked', id: 'quit', window: 'main' }])
      // Q alone is the page's; Ctrl+Shift+F is the menu's again.
      send(s, { type: 'post_message', data: 'fake:key:81:' })
      await s.waitFor((l) => l === 'FAKE key 0x51 to the page', 10_000)
      send(s, { type: 'post_message', data: 'fake:key:70:ctrl,shift' })
      await s.waitFor((l) => l === 'FAKE key 0x46 handled', 10_000)
      await sleep(300)
      assert.deepEqual(events(s, 'menu_clicked').map((e) => e.id), ['quit', 'find'])
      // A disabled item's accelerator sends nothing.
      send(s, { type: 'set_menu_item', id: 'd', item: 'quit', enabled: false })
      assert.equal((await reply(s, 'd')).ok, true)
      send(s, { type: 'post_message', data: 'fake:key:81:ctrl' })
      await s.waitFor((l) => s.stderr.filter((x) => x.startsWith('FAKE key 0x51 ')).length === 3 && l.startsWith('FAKE key 0x51 '), 10_000)
      await sleep(300)
      assert.deepEqual(events(s, 'menu_clicked').map((e) => e.id), ['quit', 'find'])
    } finally {
      await stop(s)
    }
  })

  test('more windows: a second window on the same WebView2 environment, commands and events by id, WM_CLOSE → close_requested, close_window', async () => {
    const origin = 'http://127.0.0.1:9'
    const s = startSession(wine64, [exe, '--title', 'Wine Windows', '--url', `${origin}/?taupy=windows`], prefix.vars)
    const fake = (l: string) => s.stderr.includes(l)
    try {
      await s.waitEvent('page_loaded', 60_000)
      send(s, { type: 'create_window', id: 'c1', window: 'settings', url: '/settings', title: 'Wine Settings', width: 420, height: 320 })
      assert.deepEqual(await reply(s, 'c1'), { type: 'reply', id: 'c1', ok: true, result: null })
      // The ready URL's sign-in query goes with it (the core adds it), so its page signs in as main's did.
      await s.waitFor((l) => l === `{"type":"page_loaded","url":"${origin}/settings?taupy=windows","window":"settings"}`, 20_000, 'stdout')
      const settingsX = await waitWindow('^Wine Settings$', 20_000)
      // One environment (one browser process, one profile: main's cookies hold), a controller per window.
      assert.equal(s.stderr.filter((l) => l.startsWith('FAKE create check=')).length, 1, 'the environment is shared')
      assert.equal(s.stderr.filter((l) => /^FAKE user data folder [A-Z]:/.test(l)).length, 1, 'one profile folder')
      assert.ok(fake('FAKE#2 controller for a window '), s.stderr.join('\n'))
      assert.ok(fake('FAKE#2 script has window.taupy '), 'window.taupy in the second window too')
      assert.ok(s.stderr.indexOf('FAKE#2 script has window.taupy ') < s.stderr.indexOf(`FAKE#2 navigate ${origin}/settings?taupy=windows`), 'script before its first load')
      assert.ok(fake('FAKE#2 devtools enabled 0 ') && fake('FAKE#2 host objects 0 ') && fake('FAKE#2 visible 1 '))
      // Its page's events name it; its origin lock holds.
      await s.waitFor((l) => l.includes('"navigation_blocked","url":"ftp://further.example/"'), 10_000, 'stdout')
      assert.deepEqual(events(s, 'page_message').filter((e) => e.window === 'settings'), [
        { type: 'page_message', data: 'hello from a further window', window: 'settings' },
      ])
      assert.deepEqual(events(s, 'navigation_blocked').filter((e) => e.window === 'settings'), [
        { type: 'navigation_blocked', url: 'ftp://further.example/', opened: false, window: 'settings' },
      ])
      assert.ok(fake('FAKE#2 cancelled main ftp://further.example/'))
      // Commands reach the window they name, and main stays main.
      send(s, { type: 'eval', id: 'e2', window: 'settings', script: '"fake:window"' })
      send(s, { type: 'eval', id: 'e1', script: '"fake:window"' })
      assert.equal((await reply(s, 'e2')).result, 2)
      assert.equal((await reply(s, 'e1')).result, 1)
      send(s, { type: 'post_message', id: 'p2', window: 'settings', data: { to: 'settings' } })
      assert.equal((await reply(s, 'p2')).ok, true)
      assert.ok(fake('FAKE#2 post {"to":"settings"}') && !fake('FAKE post {"to":"settings"}'))
      send(s, { type: 'set_title', id: 't2', window: 'settings', title: 'Wine Settings Renamed' })
      assert.equal((await reply(s, 't2')).ok, true)
      for (let i = 0; i < 40 && windowName(settingsX) !== 'Wine Settings Renamed'; i++) await sleep(50)
      assert.equal(windowName(settingsX), 'Wine Settings Renamed')
      assert.deepEqual(findWindows('^Wine Windows$').length, 1, 'main keeps its title')
      send(s, { type: 'navigate', id: 'n2', window: 'settings', url: 'https://other.example/' })
      assert.equal((await reply(s, 'n2')).error?.code, 'forbidden_origin')
      // A menu bar of its own: its accelerator, typed in its page, names it.
      send(s, { type: 'set_menu', id: 'm2', window: 'settings', items: [{ id: 'edit', label: 'Edit', items: [{ id: 'save', label: 'Save', accelerator: 'Ctrl+S' }] }] })
      assert.equal((await reply(s, 'm2')).ok, true)
      send(s, { type: 'post_message', window: 'settings', data: 'fake:key:83:ctrl' })
      await s.waitFor((l) => l === 'FAKE#2 key 0x53 handled', 10_000)
      send(s, { type: 'post_message', data: 'fake:key:83:ctrl' })
      await s.waitFor((l) => l === 'FAKE key 0x53 to the page', 10_000)
      assert.deepEqual(events(s, 'menu_clicked'), [{ type: 'menu_clicked', id: 'save', window: 'settings' }], 'main has no such menu')
      // A dialog is modal to the window it names: its box is that window's transient (X's view of
      // a Win32 owner), for the second window and for main.
      const mainX = await waitWindow('^Wine Windows$')
      for (const [window, x11] of [['settings', settingsX], ['main', mainX]] as const) {
        send(s, { type: 'message_dialog', id: `d-${window}`, window, title: `Box for ${window}`, message: 'hello' })
        const box = await waitWindow(`^Box for ${window}$`, 20_000)
        assert.equal(transientFor(box), Number(x11), `the box is owned by ${window}`)
        closeWindow(box)
        assert.equal((await reply(s, `d-${window}`)).ok, true)
      }
      // Bad ids and unknown windows are answered; the launcher keeps going.
      send(s, { type: 'create_window', id: 'c2', window: 'settings', url: '/again' })
      assert.match((await reply(s, 'c2')).error?.message ?? '', /window "settings" already exists/)
      send(s, { type: 'set_title', id: 'u1', window: 'nope', title: 'x' })
      assert.deepEqual((await reply(s, 'u1')).error, { code: 'unknown_window', message: 'no window "nope"' })
      send(s, { type: 'show', window: 'nope' })
      const error = await s.waitFor((l) => l.startsWith('{"type":"error"') && l.includes('unknown_window'), 10_000, 'stdout')
      assert.equal(JSON.parse(error).window, 'nope')
      send(s, { type: 'create_window', id: 'c3', window: 'x y', url: '/' })
      // A malformed command is a protocol error: an `error` event with its id.
      const bad = await s.waitFor((l) => l.startsWith('{"type":"error"') && l.includes('"id":"c3"'), 10_000, 'stdout')
      assert.equal(JSON.parse(bad).code, 'invalid_argument')
      // The user closes the second window: the backend decides; close_window closes it.
      closeWindow(settingsX)
      assert.deepEqual(await s.waitEvent('close_requested', 10_000), { type: 'close_requested', last: false, window: 'settings' })
      await sleep(300)
      assert.equal(findWindows('^Wine Settings Renamed$').length, 1, 'still open until the backend decides')
      send(s, { type: 'close_window', id: 'x2', window: 'settings' })
      assert.equal((await reply(s, 'x2')).ok, true)
      assert.deepEqual(await s.waitEvent('window_closed', 10_000), { type: 'window_closed', window: 'settings' })
      for (let i = 0; i < 40 && findWindows('^Wine Settings Renamed$').length > 0; i++) await sleep(100)
      assert.deepEqual(findWindows('^Wine Settings Renamed$'), [], 'the window is gone')
      assert.ok(fake('FAKE#2 controller close '), 'its controller was closed')
      assert.ok(!fake('FAKE controller close '), 'main\'s was not')
      send(s, { type: 'eval', id: 'gone', window: 'settings', script: '1' })
      assert.equal((await reply(s, 'gone')).error?.code, 'unknown_window')
      send(s, { type: 'eval', id: 'main', script: '1 + 2' })
      assert.equal((await reply(s, 'main')).result, 3)
      // The same id can open again (a new window, a new controller from the same environment).
      send(s, { type: 'create_window', id: 'c4', window: 'settings', url: '/settings?again', title: 'Wine Settings' })
      assert.equal((await reply(s, 'c4')).ok, true)
      await s.waitFor((l) => l.includes(`"url":"${origin}/settings?again&taupy=windows","window":"settings"`), 20_000, 'stdout')
      assert.equal(s.stderr.filter((l) => l.startsWith('FAKE create check=')).length, 1)
      // Closing main (the other window is open): not last either; the app lets it go and keeps
      // running, its app-wide commands (the tray) need no main window.
      closeWindow(await waitWindow('^Wine Windows$'))
      await s.waitFor((l) => l === '{"type":"close_requested","last":false,"window":"main"}', 10_000, 'stdout')
      send(s, { type: 'close_window', id: 'x1', window: 'main' })
      assert.equal((await reply(s, 'x1')).ok, true)
      await s.waitFor((l) => l === '{"type":"window_closed","window":"main"}', 10_000, 'stdout')
      send(s, { type: 'set_tray', id: 'tray', icon: windowsPath(join(fixtureDir, 'tray-icon.png')), tooltip: 'Wine windows' })
      assert.deepEqual(await reply(s, 'tray'), { type: 'reply', id: 'tray', ok: true, result: null })
      send(s, { type: 'remove_tray', id: 'untray' })
      assert.equal((await reply(s, 'untray')).ok, true)
      send(s, { type: 'eval', id: 'left', window: 'settings', script: '"fake:window"' })
      assert.equal((await reply(s, 'left')).result, 3, 'the reopened window (its third webview) still answers')
      // The user closes the last window: in --url mode (no backend to ask) that ends the launcher.
      closeWindow(await waitWindow('^Wine Settings$'))
      await s.waitFor((l) => l === '{"type":"close_requested","last":true,"window":"settings"}', 10_000, 'stdout')
      await exitsCleanlyUnderWine(s)
    } finally {
      await stop(s)
    }
  })

  test('a browser-process crash with two windows: one new environment, a new controller for each, both pages again', async () => {
    const origin = 'http://127.0.0.1:9'
    const s = startSession(wine64, [exe, '--title', 'Wine Crash Two', '--url', `${origin}/?taupy=crash2`], prefix.vars)
    const count = (p: string) => s.stderr.filter((l) => l.startsWith(p)).length
    const loads = (window: string) => events(s, 'page_loaded').filter((e) => e.window === window).length
    try {
      await s.waitEvent('page_loaded', 60_000)
      send(s, { type: 'create_window', id: 'c', window: 'two', url: '/two', title: 'Wine Crash Second' })
      assert.equal((await reply(s, 'c')).ok, true)
      for (let i = 0; i < 200 && loads('two') < 1; i++) await sleep(50)
      // WebView2's browser process serves every webview of the environment: all lose it at once.
      send(s, { type: 'post_message', data: 'fake:browser-crash' })
      for (let i = 0; i < 300 && !(loads('main') === 2 && loads('two') === 2); i++) await sleep(50)
      assert.deepEqual([loads('main'), loads('two')], [2, 2], s.stderr.slice(-30).join('\n'))
      const crashes = events(s, 'error').filter((e) => e.code === 'webview_crashed')
      assert.deepEqual(crashes.map((e) => [e.window, e.recovery]).sort(), [['main', 'recreate'], ['two', 'recreate']])
      assert.equal(count('FAKE create check='), 2, 'one new environment for both windows')
      assert.deepEqual([count('FAKE controller close'), count('FAKE#2 controller close')], [1, 1], 'each dead controller closed once')
      assert.deepEqual([count('FAKE controller for a window'), count('FAKE#2 controller for a window')], [2, 2])
      send(s, { type: 'eval', id: 'e1', script: '"fake:window"' })
      send(s, { type: 'eval', id: 'e2', window: 'two', script: '"fake:window"' })
      assert.equal((await reply(s, 'e1')).result, 1)
      assert.equal((await reply(s, 'e2')).result, 2)
    } finally {
      await stop(s)
    }
  })
})
