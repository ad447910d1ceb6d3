// Linux launcher tray icon and notifications under Xvfb with a private D-Bus session bus
// (dbus-daemon, as dbus-run-session starts it): a stand-in panel (StatusNotifierWatcher) and
// notification server (test/fixtures/launcher/desktop-standin.py, Debian's python3-gi) check
// what the launcher exports and "click" (a tray menu item through com.canonical.dbusmenu, the
// icon through the item's Activate/SecondaryActivate, a notification through ActionInvoked).
// --url mode: commands on stdin, events on stdout.
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  closeWindow, ensureDisplay, findWindows, fixtureDir, have, launcherDir, sleep, startSession, stopDisplay, waitWindow, type Session,
  closeAndEnd, reply, send,
} from './fixtures/launcher/harness.js'

const bin = process.env.TAUPY_LAUNCHER_BIN ?? join(launcherDir, 'prebuilt', 'linux-x64', 'taupy-launcher')
const python = '/usr/bin/python3'
const hasGi = existsSync(python) && spawnSync(python, ['-c', 'from gi.repository import Gio'], { stdio: 'ignore' }).status === 0
const hasIndicator = existsSync('/usr/lib/x86_64-linux-gnu/libayatana-appindicator3.so.1')
const runnable = process.platform === 'linux' && have('Xvfb') && have('dbus-daemon') && hasGi
const icon = join(fixtureDir, 'tray-icon.png')
const dir = mkdtempSync(join(tmpdir(), 'taupy-desktop-'))
const canPreload = spawnSync('sh', ['-c', 'command -v cc && pkg-config --exists gio-2.0'], { stdio: 'ignore' }).status === 0
/** late-bus.so (fixtures/launcher/late-bus.c), built once per run. */
function lateBus(): string {
  const out = join(dir, 'late-bus.so')
  if (!existsSync(out)) {
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'gio-2.0'], { encoding: 'utf8' }).trim().split(/\s+/)
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-Wall', '-o', out, join(fixtureDir, 'late-bus.c'), ...flags, '-ldl'])
  }
  return out
}
const trayMenu = [{ id: 'show', label: 'Show window' }, { type: 'separator' }, { id: 'quit', label: 'Quit' }]

let bus: ChildProcess | undefined
let busEnv: Record<string, string> = {}
let server: Server
let url = ''

/** The stand-in desktop: JSON lines out, commands in. */
interface Standin {
  child: ChildProcess
  lines: Array<Record<string, unknown>>
  send(command: string): void
  wait(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
}
function startStandin(): Standin {
  const child = spawn(python, [join(fixtureDir, 'desktop-standin.py')], { env: { ...process.env, ...busEnv }, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines: Array<Record<string, unknown>> = []
  let buf = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>)
      buf = buf.slice(i + 1)
    }
  })
  return {
    child,
    lines,
    send: (command) => child.stdin!.write(command + '\n'),
    async wait(pred, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs
      for (;;) {
        const hit = lines.find(pred)
        if (hit) return hit
        if (Date.now() > end) throw new Error(`stand-in: nothing matching; saw:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)
        await sleep(25)
      }
    },
  }
}

/** Under the fixture backend (test/fixtures/launcher/backend.ts): commands through its POST /do. */
async function raw(s: Session, command: object): Promise<void> {
  const port = (await s.waitFor((l) => l.startsWith('PORT '))).slice(5)
  await fetch(`http://127.0.0.1:${port}/do`, { method: 'POST', body: JSON.stringify({ op: 'raw', command }) })
}
async function backendEvent(s: Session, pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const end = Date.now() + 10_000
  for (;;) {
    const hit = s.events.find(pred)
    if (hit) return hit
    if (Date.now() > end) throw new Error(`no such event; stderr:\n${s.stderr.slice(-20).join('\n')}`)
    await sleep(25)
  }
}
const backendReply = (s: Session, id: string) => backendEvent(s, (e) => e.type === 'reply' && e.id === id)
async function start(title: string, env: Record<string, string> = {}): Promise<{ s: Session; window: string }> {
  const s = startSession(bin, ['--title', title, '--url', url], { ...busEnv, ...env })
  await s.waitEvent('page_loaded')
  return { s, window: await waitWindow(`^${title}$`) }
}

describe('launcher tray and notifications (Linux, Xvfb, D-Bus)', { skip: !runnable && 'needs Xvfb, dbus-daemon and python3-gi', timeout: 120_000 }, () => {
  before(async () => {
    await ensureDisplay()
    bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const address = await new Promise<string>((resolve) => bus!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())))
    busEnv = { DBUS_SESSION_BUS_ADDRESS: address }
    server = createServer((_q, res) => res.end('<title>desktop</title><p>desktop')).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
  })
  after(() => {
    server?.close()
    bus?.kill()
    stopDisplay()
    rmSync(dir, { recursive: true, force: true })
  })

  test('tray: the StatusNotifierItem the panel sees (icon, title, menu); a menu click → menu_clicked; close to tray', { skip: !hasIndicator && 'libayatana-appindicator3-1 not installed' }, async () => {
    await trayRoundTrip({})
  })

  // The indicator's two session-bus answers race on GLib worker threads; when its watcher lookup
  // wins, libayatana-appindicator never registers the item (late-bus.c). The launcher must
  // register it anyway: here that ordering is forced on every run, not left to machine load.
  test('tray: registered even when the indicator sees the watcher before it has its bus connection', { skip: (!hasIndicator || !canPreload) && 'needs libayatana-appindicator3-1 and cc with GIO headers' }, async () => {
    const s = await trayRoundTrip({ LD_PRELOAD: lateBus() })
    assert.ok(s.stderr.some((l) => l.includes("g_dbus_proxy_new: assertion 'G_IS_DBUS_CONNECTION (connection)' failed")),
      'the forced ordering really left the indicator without its watcher proxy')
  })

  /** Shows a tray icon under a stand-in panel and drives it: the whole round trip of the tray API. */
  async function trayRoundTrip(env: Record<string, string>): Promise<Session> {
    const desk = startStandin()
    await desk.wait((e) => e.event === 'ready')
    // A backend that keeps the window on close_requested (prevent_close), as a close-to-tray app does.
    const s = startSession(bin, ['--title', 'Tray App', '--', process.execPath, '--import', 'tsx', join(fixtureDir, 'backend.ts')],
      { ...busEnv, FIXTURE_MODE: 'veto-close', ...env })
    try {
      await s.waitEvent('page_loaded')
      const window = await waitWindow('^Tray App$')
      await raw(s, { type: 'set_tray', id: 't1', icon, tooltip: 'Tray App: 2 unread', items: trayMenu })
      assert.equal((await backendReply(s, 't1')).ok, true)
      const reg = await desk.wait((e) => e.event === 'registered')
      assert.match(String(reg.path), /^\/org\/ayatana\/NotificationItem\//)
      desk.send('props')
      const item = await desk.wait((e) => e.event === 'item')
      const props = item.props as Record<string, string>
      assert.equal(props.IconName, icon)
      assert.equal(props.Title, 'Tray App: 2 unread')
      assert.equal(props.Status, 'Active')
      desk.send('layout')
      const layout = await desk.wait((e) => e.event === 'layout')
      assert.deepEqual((layout.items as Array<{ label: string | null }>).map((i) => i.label), ['Show window', null, 'Quit'])
      // A click on the icon itself, as hosts send it: middle → SecondaryActivate, left → Activate.
      desk.send('activate SecondaryActivate')
      await backendEvent(s, (e) => e.type === 'tray_clicked' && e.button === 'middle')
      desk.send('activate Activate')
      const left = await desk.wait((e) => e.event === 'activated' && e.method === 'Activate')
      assert.match(String(left.error), /UnknownMethod|No such method/, 'the host still gets the library\'s answer (and opens the menu)')
      await backendEvent(s, (e) => e.type === 'tray_clicked' && e.button === 'left')
      assert.equal(s.events.filter((e) => e.type === 'tray_clicked').length, 2, 'one event a click')
      // Close to tray: the backend vetoes the close and hides the window; the tray menu brings it back.
      closeWindow(window)
      await s.waitFor((l) => l === 'VETOED')
      await raw(s, { type: 'hide', id: 'h' })
      await backendReply(s, 'h')
      assert.deepEqual(findWindows('^Tray App$'), [], 'hidden')
      desk.send('click Show window')
      await desk.wait((e) => e.event === 'clicked')
      assert.deepEqual(await s.waitEvent('menu_clicked'), { type: 'menu_clicked', id: 'show', tray: true })
      await raw(s, { type: 'show', id: 'sh' })
      await backendReply(s, 'sh')
      await waitWindow('^Tray App$')
      await raw(s, { type: 'set_tray', id: 't2', icon, tooltip: 'Tray App', items: [{ id: 'quit', label: 'Quit now' }] })
      assert.equal((await backendReply(s, 't2')).ok, true)
      desk.send('layout')
      await desk.wait((e) => e.event === 'layout' && (e.items as Array<{ label: string }>)[0]?.label === 'Quit now')
      await raw(s, { type: 'remove_tray', id: 'r' })
      assert.equal((await backendReply(s, 'r')).ok, true)
      desk.send('props')
      await desk.wait((e) => e.event === 'item' && (e.props as Record<string, string>).Status === 'Passive')
      await raw(s, { type: 'exit', code: 0 })
      assert.deepEqual(await Promise.race([s.exited, sleep(8000).then(() => 'timeout')]), { code: 0, signal: null })
      return s
    } finally {
      s.child.kill('SIGKILL')
      desk.child.kill()
    }
  }

  test('tray: bad icons and a missing AppIndicator library get an error; the launcher keeps running', async () => {
    const big = join(dir, 'big.png')
    const fd = openSync(big, 'w')
    ftruncateSync(fd, 50 * 1024 * 1024) // 50 MB (sparse): refused by its size, never read
    closeSync(fd)
    const notPng = join(dir, 'icon.png')
    writeFileSync(notPng, 'GIF89a this is not a PNG at all, whatever its name says')
    const { s, window } = await start('Bad Tray', { TAUPY_APPINDICATOR_LIB: 'libtaupy-no-such-indicator.so.1' })
    try {
      const cases: Array<[string, string, RegExp]> = [
        [big, 'invalid_argument', /52428800 bytes; at most 1048576/],
        [notPng, 'invalid_argument', /not a PNG/],
        ['icon.png', 'invalid_argument', /absolute path/],
        [join(dir, 'missing.png'), 'invalid_argument', /missing\.png/],
        [icon, 'tray_unavailable', /libtaupy-no-such-indicator\.so\.1.*install libayatana-appindicator3-1/],
      ]
      for (const [i, [path, code, message]] of cases.entries()) {
        send(s, { type: 'set_tray', id: `b${i}`, icon: path, items: trayMenu })
        const r = await reply(s, `b${i}`)
        assert.equal(r.error?.code, code, path)
        assert.match(r.error!.message, message)
      }
      // No notification server on this bus (the stand-in is not running): said, not hung.
      send(s, { type: 'notify', id: 'n0', title: 'Hello' })
      assert.equal((await reply(s, 'n0')).error?.code, 'notifications_unavailable')
      send(s, { type: 'notify', id: 'n1', title: 'Hello', icon: big })
      assert.match(JSON.stringify(await reply(s, 'n1')), /invalid_argument.*52428800 bytes/)
      send(s, { type: 'notify', id: 'n2', title: 'x'.repeat(100_000) })
      // Refused while parsing: an error event with the id, not a reply.
      assert.match(await s.waitFor((l) => l.includes('"id":"n2"'), 10_000, 'stdout'), /"code":"invalid_argument"/)
      // Without an id, the same refusal is an `error` event.
      send(s, { type: 'set_tray', icon })
      await s.waitFor((l) => l.startsWith('{"type":"error","code":"tray_unavailable"') && !l.includes('"id"'), 5000, 'stdout')
      send(s, { type: 'eval', id: 'alive', script: '6 * 7' })
      assert.match(await s.waitFor((l) => l.includes('"id":"alive"'), 5000, 'stdout'), /"result":42/)
    } finally {
      await closeAndEnd(s, window)
    }
  })

  test('notifications: what the server gets; a click → notification_clicked, and the window comes back', async () => {
    const desk = startStandin()
    await desk.wait((e) => e.event === 'ready')
    const { s, window } = await start('Notify App', { TAUPY_APP_NAME: 'Notify App' })
    try {
      send(s, { type: 'notify', id: 'a', tag: 'build', title: 'Build finished', body: 'All 12 tests passed', icon })
      const r = JSON.parse(await s.waitFor((l) => l.includes('"id":"a"'), 10_000, 'stdout')) as { result: unknown }
      assert.deepEqual(r.result, { tag: 'build' })
      const shown = await desk.wait((e) => e.event === 'notify')
      assert.equal(shown.app, 'Notify App')
      assert.equal(shown.summary, 'Build finished')
      assert.equal(shown.body, 'All 12 tests passed')
      assert.equal(shown['image-path'], icon)
      assert.deepEqual(shown.actions, ['default', 'Open'])
      // The same tag replaces it; a notification without a tag gets one.
      send(s, { type: 'notify', id: 'b', tag: 'build', title: 'Build finished (again)' })
      const again = await desk.wait((e) => e.event === 'notify' && e.summary === 'Build finished (again)')
      assert.equal(again.id, shown.id)
      send(s, { type: 'notify', id: 'c', title: 'Untagged', body: 'x'.repeat(1000) })
      const untagged = JSON.parse(await s.waitFor((l) => l.includes('"id":"c"'), 10_000, 'stdout')) as { result: { tag: string } }
      assert.match(untagged.result.tag, /^n\d+$/)
      assert.equal(String((await desk.wait((e) => e.summary === 'Untagged')).body).length, 255, 'the body is cut to 255 characters')
      // The app hid its window; the user clicks the notification and the app shows it again.
      send(s, { type: 'hide', id: 'h' })
      await s.waitFor((l) => l.includes('"id":"h"'), 5000, 'stdout')
      assert.deepEqual(findWindows('^Notify App$'), [])
      desk.send(`invoke ${String(shown.id)} default`)
      assert.deepEqual(await s.waitEvent('notification_clicked'), { type: 'notification_clicked', id: 'build', action: 'default' })
      send(s, { type: 'show' })
      await waitWindow('^Notify App$')
    } finally {
      await closeAndEnd(s, window)
      desk.child.kill()
    }
  })
})
