// Linux launcher, more windows (issue 15.6) under Xvfb, --url mode (commands on stdin, events
// on stdout): create_window opens a second window on the app's origin that shares main's
// cookies, commands go to the window they name, events name their window, an unknown window is
// an error the launcher survives, closing a window that is not the last asks the backend
// (close_requested {last:false}) and close_window closes it, the last one ends the app; focus
// and blur name their window.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  alive, closeWindow, ensureDisplay, findWindows, fixtureDir, have, launcherDir, sleep, startSession, stopDisplay, waitWindow,
  windowName, windowSize, x, type Session,
  send,
} from './fixtures/launcher/harness.js'

const bin = process.env.TAUPY_LAUNCHER_BIN ?? join(launcherDir, 'prebuilt', 'linux-x64', 'taupy-launcher')
const runnable = process.platform === 'linux' && have('xdotool') && have('Xvfb')

let server: Server
let other: Server
let origin = ''
let otherOrigin = ''

type Event = { type: string; [k: string]: unknown }
type Reply = { ok: boolean; result?: unknown; error?: { code: string; message: string } }

async function call(s: Session, command: { id: string; [k: string]: unknown }, timeoutMs = 10_000): Promise<Reply> {
  send(s, command)
  const line = await s.waitFor((l) => l.includes(`"type":"reply"`) && l.includes(`"id":"${command.id}"`), timeoutMs, 'stdout')
  return JSON.parse(line) as Reply
}
async function event(s: Session, pred: (e: Event) => boolean, what: string, timeoutMs = 10_000): Promise<Event> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const hit = s.events.find(pred)
    if (hit) return hit
    if (Date.now() > end) throw new Error(`no ${what}; stdout:\n${s.stdout.slice(-15).join("\n")}\nstderr:\n${s.stderr.slice(-25).join("\n")}`)
    await sleep(25)
  }
}

/**
 * The app's pages: `/` (main's ready URL) sets a session cookie as a taupy backend does;
 * `/private` shows whether the request carried it; any page's <title> is its path.
 */
function app(): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' }
    if (path === '/') headers['set-cookie'] = 'session=s3cret; Path=/; HttpOnly; SameSite=Strict'
    const cookie = /(?:^|;\s*)session=s3cret(?:;|$)/.test(req.headers.cookie ?? '')
    if (path === '/leave') {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? ''
      return res.writeHead(200, headers).end(`<!doctype html><meta http-equiv="refresh" content="0;url=${to}"><title>leaving</title>`)
    }
    const title = path === '/private' ? (cookie ? 'private: cookie' : 'private: no cookie') : `page ${path}`
    res.writeHead(200, headers).end(`<!doctype html><title>${title}</title><p>${title}`)
  }).listen(0, '127.0.0.1')
}

/** The WebKit web processes under `pid` (the launcher). */
function webProcesses(pid: number): number[] {
  const parent = new Map<number, number>()
  const name = new Map<number, string>()
  for (const d of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      name.set(Number(d), stat.slice(stat.indexOf('(') + 1, close))
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]))
    } catch {} // gone meanwhile
  }
  const under = (p: number): boolean => p === pid || (p > 1 && parent.has(p) && under(parent.get(p)!))
  return [...name].filter(([p, n]) => n.startsWith('WebKitWebProces') && under(p)).map(([p]) => p)
}

async function start(title: string): Promise<{ s: Session; main: string }> {
  const s = startSession(bin, ['--title', title, '--url', `${origin}/`])
  await event(s, (e) => e.type === 'page_loaded' && e.window === 'main', 'main page_loaded')
  return { s, main: await waitWindow(`^${title}$`) }
}
async function end(s: Session): Promise<void> {
  s.child.stdin!.end()
  if (alive(s.child.pid!)) s.child.kill('SIGTERM')
  await Promise.race([s.exited, sleep(3000)])
  s.child.kill('SIGKILL')
}
async function open(s: Session, window: string, url: string, title: string): Promise<string> {
  const r = await call(s, { type: 'create_window', id: `open-${window}`, window, url, title, width: 420, height: 300 })
  assert.deepEqual(r, { type: 'reply', id: `open-${window}`, ok: true, result: null })
  await event(s, (e) => e.type === 'page_loaded' && e.window === window, `${window} page_loaded`)
  return waitWindow(`^${title}$`)
}
async function evalIn(s: Session, window: string, script: string, id: string): Promise<unknown> {
  const r = await call(s, { type: 'eval', id, window, script })
  assert.equal(r.ok, true, JSON.stringify(r))
  return r.result
}

describe('launcher: more windows (Linux, Xvfb)', { skip: !runnable && 'needs Linux, Xvfb and xdotool', timeout: 180_000 }, () => {
  before(async () => {
    await ensureDisplay()
    server = app()
    other = app()
    await Promise.all([server, other].map((s) => new Promise((r) => s.once('listening', r))))
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    otherOrigin = `http://127.0.0.1:${(other.address() as { port: number }).port}`
  })
  after(() => {
    server?.close()
    other?.close()
    stopDisplay()
  })

  test('a second window: commands go to the window they name, events name it, cookies are shared', async () => {
    const { s, main } = await start('MW Main')
    try {
      assert.equal(s.events.find((e) => e.type === 'window_ready')?.window, 'main')
      const second = await open(s, 'second', '/private', 'MW Second')
      assert.notEqual(second, main)
      // main's ready URL set the session cookie; the second window's first request carried it.
      assert.equal(await evalIn(s, 'second', 'document.title', 'e0'), 'private: cookie')
      assert.equal((await event(s, (e) => e.type === 'page_loaded' && e.window === 'second', 'page_loaded')).url, `${origin}/private`)

      // set_title: only the window named changes; no `window` is main.
      assert.equal((await call(s, { type: 'set_title', id: 't1', window: 'second', title: 'MW Second renamed' })).ok, true)
      assert.equal((await call(s, { type: 'set_title', id: 't2', title: 'MW Main renamed' })).ok, true)
      await sleep(200)
      assert.equal(windowName(second), 'MW Second renamed')
      assert.equal(windowName(main), 'MW Main renamed')
      assert.equal(await evalIn(s, 'second', 'location.pathname', 'e1'), '/private')
      assert.equal(await evalIn(s, 'main', 'location.pathname', 'e2'), '/')

      // set_size on the second window: it resizes, main does not; `resized` names it.
      const mainSize = windowSize(main)
      assert.equal((await call(s, { type: 'set_size', id: 'z1', window: 'second', width: 500, height: 333 })).ok, true)
      await event(s, (e) => e.type === 'resized' && e.window === 'second' && e.width === 500, 'resized second')
      assert.deepEqual(windowSize(second), { width: 500, height: 333 })
      assert.deepEqual(windowSize(main), mainSize)

      // Both pages have window.taupy; a page message names the window it came from.
      await evalIn(s, 'second', 'window.taupy.postMessage({ from: "second" }), 1', 'p1')
      const msg = await event(s, (e) => e.type === 'page_message', 'page_message')
      assert.deepEqual(msg, { type: 'page_message', data: { from: 'second' }, window: 'second' })

      // A dialog is modal to the window it names (WM_TRANSIENT_FOR); its answer is the reply.
      send(s, { type: 'message_dialog', id: 'd1', window: 'second', title: 'MW Dialog', message: 'for the second window' })
      const dialog = await waitWindow('^MW Dialog$')
      const owner = /window id # (0x[0-9a-f]+)/.exec(x('xprop', ['-id', dialog, 'WM_TRANSIENT_FOR']))?.[1]
      assert.equal(Number(owner), Number(second), 'owned by the second window')
      closeWindow(dialog)
      assert.deepEqual(await s.waitFor((l) => l.includes('"id":"d1"'), 5000, 'stdout').then((l) => JSON.parse(l) as object),
        { type: 'reply', id: 'd1', ok: true, result: null })

      // The second window's menu bar is its own: its accelerator names it.
      const menu = [{ id: 'file', label: 'File', items: [{ id: 'prefs', label: 'Preferences', accelerator: 'Ctrl+P' }] }]
      assert.equal((await call(s, { type: 'set_menu', id: 'm1', window: 'second', items: menu })).ok, true)
      await sleep(300)
      x('xdotool', ['windowfocus', '--sync', second])
      x('xdotool', ['key', '--delay', '60', 'ctrl+p'])
      const click = await event(s, (e) => e.type === 'menu_clicked', 'menu_clicked')
      assert.deepEqual(click, { type: 'menu_clicked', id: 'prefs', window: 'second' })

      // Focus moves between the windows: each side of the move names its own window.
      const seen = s.events.length
      x('xdotool', ['windowfocus', '--sync', main])
      const later = (type: string, window: string) => (e: Event) => s.events.indexOf(e) >= seen && e.type === type && e.window === window
      await event(s, later('blurred', 'second'), 'blurred second')
      await event(s, later('focused', 'main'), 'focused main')
      x('xdotool', ['windowfocus', '--sync', second])
      await event(s, later('blurred', 'main'), 'blurred main')
      await event(s, later('focused', 'second'), 'focused second')
      assert.equal(s.events.slice(seen).filter((e) => (e.type === 'focused' || e.type === 'blurred') && e.window !== 'main' && e.window !== 'second').length, 0)
    } finally {
      await end(s)
    }
  })

  test('the web process dies: every window it served says so (webview_crashed) and reloads', async () => {
    const { s } = await start('MW Crash')
    try {
      await open(s, 'second', '/two', 'MW Crash 2')
      const before = webProcesses(s.child.pid!)
      assert.equal(before.length, 1, 'the windows share one web process (related views)')
      const loads = (w: string) => s.events.filter((e) => e.type === 'page_loaded' && e.window === w).length
      const [mainLoads, secondLoads] = [loads('main'), loads('second')]
      process.kill(before[0]!, 'SIGKILL')
      for (const w of ['main', 'second']) {
        const e = await event(s, (e) => e.type === 'error' && e.code === 'webview_crashed' && e.window === w, `webview_crashed ${w}`)
        assert.equal(e.recovery, 'reload')
      }
      await event(s, () => loads('main') > mainLoads && loads('second') > secondLoads, 'both pages loaded again')
      assert.equal(await evalIn(s, 'second', 'location.pathname', 'k1'), '/two')
      assert.equal(await evalIn(s, 'main', 'typeof window.taupy.postMessage', 'k2'), 'function')
      // A page that keeps crashing: after 3 reloads, an error page instead.
      const crashes = () => s.events.filter((e) => e.type === 'error' && e.code === 'webview_crashed' && e.window === 'second')
      for (let n = 2; n <= 4; n++) {
        // Killed once its page is up again (a web process killed while it starts makes WebKit
        // abort the UI process: "readPIDFromPeer", not a crash an app meets).
        const loaded = loads('second')
        if (n > 2) await event(s, () => loads('second') > loaded - 1 && loads('second') >= secondLoads + n - 1, `reload ${n - 1}`)
        for (const p of webProcesses(s.child.pid!)) process.kill(p, 'SIGKILL')
        await event(s, () => crashes().length >= n, `crash ${n}`)
      }
      assert.deepEqual(crashes().slice(0, 4).map((e) => e.recovery), ['reload', 'reload', 'reload', 'error_page'])
      await sleep(500)
      assert.equal(await evalIn(s, 'second', 'document.getElementById("taupy-error").dataset.code', 'k3'), 'webview_crashed')
    } finally {
      await end(s)
    }
  })

  test('bad window commands get errors and the launcher keeps running', async () => {
    const { s } = await start('MW Errors')
    try {
      const unknown = await call(s, { type: 'set_title', id: 'u1', window: 'nope', title: 'x' })
      assert.deepEqual(unknown.error, { code: 'unknown_window', message: 'no window "nope"' })
      send(s, { type: 'center', window: 'nope' }) // no id: an error event naming command and window
      const ev = await event(s, (e) => e.type === 'error' && e.code === 'unknown_window', 'unknown_window error')
      assert.equal(ev.command, 'center')
      assert.equal(ev.window, 'nope')
      // A malformed id is refused as the line is read: an `error` event with the command's id.
      send(s, { type: 'set_title', id: 'u2', window: 'no spaces', title: 'x' })
      const bad = await event(s, (e) => e.type === 'error' && e.id === 'u2', 'error for u2')
      assert.equal(bad.code, 'invalid_argument')
      const foreign = await call(s, { type: 'create_window', id: 'c1', window: 'w', url: `${otherOrigin}/` })
      assert.equal(foreign.error?.code, 'forbidden_origin')
      const relative = await call(s, { type: 'create_window', id: 'c2', window: 'w', url: '//example.com/' })
      assert.equal(relative.error?.code, 'invalid_argument')
      await open(s, 'w', `${origin}/one`, 'MW Errors W')
      const dup = await call(s, { type: 'create_window', id: 'c3', window: 'w', url: '/two' })
      assert.deepEqual(dup.error, { code: 'invalid_argument', message: 'window "w" already exists' })
      const main = await call(s, { type: 'create_window', id: 'c4', window: 'main', url: '/two' })
      assert.equal(main.error?.code, 'invalid_argument')
      // 16 windows at most: main, w, and 14 more; the 17th is refused.
      for (let i = 0; i < 14; i++) {
        const r = await call(s, { type: 'create_window', id: `n${i}`, window: `n${i}`, url: '/', title: `n${i}`, width: 100, height: 80 })
        assert.equal(r.ok, true, JSON.stringify(r))
      }
      const full = await call(s, { type: 'create_window', id: 'c5', window: 'n99', url: '/' })
      assert.equal(full.error?.code, 'invalid_argument')
      assert.match(full.error!.message, /16/)
      assert.equal(await evalIn(s, 'w', '6 * 7', 'alive'), 42)
    } finally {
      await end(s)
    }
  })

  test('the second window stays on the app origin', async () => {
    const { s } = await start('MW Origin')
    try {
      await open(s, 'second', '/a', 'MW Origin 2')
      const nav = await call(s, { type: 'navigate', id: 'n1', window: 'second', url: `${otherOrigin}/` })
      assert.equal(nav.error?.code, 'forbidden_origin')
      // The page itself tries to leave (a meta refresh, no user gesture): refused, reported for
      // its window, not opened in the browser.
      assert.equal((await call(s, { type: 'navigate', id: 'n2', window: 'second', url: `${origin}/leave?to=${otherOrigin}/elsewhere` })).ok, true)
      const blocked = await event(s, (e) => e.type === 'navigation_blocked', 'navigation_blocked')
      assert.deepEqual(blocked, { type: 'navigation_blocked', url: `${otherOrigin}/elsewhere`, opened: false, window: 'second' })
      await sleep(300)
      assert.equal(await evalIn(s, 'second', 'location.pathname', 'n3'), '/leave')
      // On the origin, navigate works in that window only.
      assert.equal((await call(s, { type: 'navigate', id: 'n4', window: 'second', url: `${origin}/b` })).ok, true)
      await event(s, (e) => e.type === 'page_loaded' && e.window === 'second' && e.url === `${origin}/b`, 'page_loaded /b')
      assert.equal(await evalIn(s, 'main', 'location.pathname', 'n5'), '/')
    } finally {
      await end(s)
    }
  })

  test('closing: a window that is not the last asks the backend; close_window closes it; the last one ends the app', async () => {
    const { s, main } = await start('MW Close')
    try {
      const second = await open(s, 'second', '/', 'MW Close 2')
      closeWindow(second)
      const asked = await event(s, (e) => e.type === 'close_requested', 'close_requested')
      assert.deepEqual(asked, { type: 'close_requested', window: 'second', last: false })
      await sleep(500)
      assert.deepEqual(findWindows('^MW Close 2$'), [second], 'the launcher does not close it by itself')
      assert.equal((await call(s, { type: 'close_window', id: 'x1', window: 'second' })).ok, true)
      assert.deepEqual(await event(s, (e) => e.type === 'window_closed', 'window_closed'), { type: 'window_closed', window: 'second' })
      await sleep(300)
      assert.deepEqual(findWindows('^MW Close 2$'), [])
      assert.equal((await call(s, { type: 'focus', id: 'x2', window: 'second' })).error?.code, 'unknown_window')
      // A window can come back under the same id.
      const again = await open(s, 'second', '/', 'MW Close 2b')
      // Main closed by the app: the other window is now the last one; closing it ends the app.
      assert.equal((await call(s, { type: 'close_window', id: 'x3', window: 'main' })).ok, true)
      await event(s, (e) => e.type === 'window_closed' && e.window === 'main', 'main window_closed')
      assert.deepEqual(findWindows('^MW Close$'), [])
      assert.ok(alive(s.child.pid!), 'closing windows by command ends nothing')
      void main
      // Commands about the app need no window, main's least of all (a tray app may close it).
      const external = await call(s, { type: 'open_external', id: 'x7', url: 'file:///etc/passwd' })
      assert.equal(external.error?.code, 'open_failed', 'checked as ever, not unknown_window')
      // Its page shares main's web process (related view): it lives on without main.
      assert.equal(await evalIn(s, 'second', 'document.title', 'x4'), 'page /')
      assert.equal((await call(s, { type: 'reload', id: 'x5', window: 'second' })).ok, true)
      await sleep(500)
      assert.equal(await evalIn(s, 'second', 'typeof window.taupy.postMessage', 'x6'), 'function')
      closeWindow(again)
      const last = await event(s, (e) => e.type === 'close_requested' && e.last === true, 'last close_requested')
      assert.equal(last.window, 'second')
      const r = await Promise.race([s.exited, sleep(5000).then(() => 'timeout' as const)])
      assert.notEqual(r, 'timeout', 'the launcher ends when its last window closes (no backend in --url mode)')
    } finally {
      await end(s)
    }
  })

  test('with a backend: the close timeout runs only for the last window', async () => {
    const s = startSession(bin, ['--title', 'MWB Main', '--close-timeout', '700', '--', process.execPath, join(fixtureDir, 'windows-backend.mjs')])
    try {
      const pid = Number((await s.waitFor((l) => l.startsWith('PID '))).slice(4))
      await event(s, (e) => e.type === 'page_loaded' && e.window === 'second', 'second page_loaded')
      const main = await waitWindow('^MWB Main$')
      const second = await waitWindow('^MWB Second$')
      closeWindow(second)
      await event(s, (e) => e.type === 'close_requested' && e.window === 'second' && e.last === false, 'close_requested second')
      // The backend answers after 1.5 s, past the 0.7 s close timeout: nobody is killed.
      await event(s, (e) => e.type === 'window_closed' && e.window === 'second', 'window_closed', 5000)
      assert.ok(alive(pid), 'the backend survives a slow answer for a window that is not the last')
      assert.deepEqual(findWindows('^MWB Main$'), [main])
      // The last window: the backend never answers, so the close timeout kills it and the launcher ends.
      closeWindow(main)
      await event(s, (e) => e.type === 'close_requested' && e.window === 'main' && e.last === true, 'close_requested main')
      const r = await Promise.race([s.exited, sleep(5000).then(() => 'timeout' as const)])
      assert.notEqual(r, 'timeout', 'the close timeout ends an unanswered close of the last window')
      assert.ok(!alive(pid))
      assert.ok(s.stderr.some((l) => l.includes('did not exit within 700 ms')), s.stderr.join('\n'))
    } finally {
      await end(s)
    }
  })

  test('a real taupy backend: the second window signs in as main did, and its page opens /ws', async () => {
    const s = startSession(bin, ['--title', 'MWA Main', '--', process.execPath, '--import', 'tsx', join(fixtureDir, 'windows-app.ts')])
    try {
      const opened = (path: string) => (e: Event) => e.type === 'page_message' && e.data === `ws open ${path}`
      assert.equal((await event(s, opened('/'), 'main /ws open', 30_000)).window, 'main')
      // The cookie alone loads pages; /ws wants the secret, which the second window's page gets
      // only from its own sign-in (the ready URL's query, added by the launcher).
      assert.equal((await event(s, opened('/second'), 'second /ws open', 15_000)).window, 'second')
      const loaded = await event(s, (e) => e.type === 'page_loaded' && e.window === 'second', 'second page_loaded')
      // The sign-in redirect took the secret out of the query (the fragment never reaches a server).
      assert.equal(new URL(String(loaded.url)).pathname + new URL(String(loaded.url)).search, '/second')
    } finally {
      await end(s)
    }
  })

  test('a backend crash with two windows: the error page shows in main; closing any window exits with its code', async () => {
    const s = startSession(bin, ['--title', 'MWC Main', '--', process.execPath, join(fixtureDir, 'windows-backend.mjs')], { WINDOWS_BACKEND_CRASH: '1' })
    try {
      await s.waitFor((l) => l.includes('showing the error page'))
      const main = await waitWindow('^MWC Main \\(backend stopped\\)$')
      const second = await waitWindow('^MWB Second$')
      assert.ok(main)
      closeWindow(second)
      const r = await Promise.race([s.exited, sleep(5000).then(() => 'timeout' as const)])
      assert.deepEqual(r, { code: 3, signal: null })
    } finally {
      await end(s)
    }
  })

  test('one window: closing it is today\'s close_requested (with window and last) and the end', async () => {
    const { s, main } = await start('MW Single')
    try {
      closeWindow(main)
      const asked = await event(s, (e) => e.type === 'close_requested', 'close_requested')
      assert.deepEqual(asked, { type: 'close_requested', window: 'main', last: true })
      const r = await Promise.race([s.exited, sleep(5000).then(() => 'timeout' as const)])
      assert.notEqual(r, 'timeout')
      assert.equal(s.events.filter((e) => e.type === 'window_closed').length, 0, 'no window_closed when the launcher ends')
    } finally {
      await end(s)
    }
  })
})
