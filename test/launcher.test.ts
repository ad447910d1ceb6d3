// Linux launcher: Rust unit tests, the prebuilt binary's freshness, and the real binary under
// Xvfb with a real (tiny, node:http) backend that uses scripts/ipc. Bounded in time throughout.
// LAUNCHER_TEST_VERBOSE=1 echoes the processes' output.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  alive, clickAt, closeWindow, ensureDisplay, findWindows, fixtureDir, have, launcherDir, pixel, root, sleep, sourcesStamp,
  startSession, stopDisplay, treeRssKiB, waitWindow, windowName, windowSize, type Session, exitWithin,
} from './fixtures/launcher/harness.js'
import { COMMAND_TYPES, EVENT_TYPES } from '../scripts/ipc/protocol.js'

const bin = process.env.TAUPY_LAUNCHER_BIN ?? join(launcherDir, 'prebuilt', 'linux-x64', 'taupy-launcher')
const linux = process.platform === 'linux'
const backendArgs = ['--', process.execPath, '--import', 'tsx', join(fixtureDir, 'backend.ts')]
const xdgLog = join(mkdtempSync(join(tmpdir(), 'taupy-xdg-')), 'opened.txt')
const env = { PATH: `${join(fixtureDir, 'bin')}:${process.env.PATH}`, XDG_OPEN_LOG: xdgLog }

async function post(s: Session, body: object): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  const port = (await s.waitFor((l) => l.startsWith('PORT '))).slice(5)
  const res = await fetch(`http://127.0.0.1:${port}/do`, { method: 'POST', body: JSON.stringify(body) })
  return (await res.json()) as { ok: boolean; result?: unknown; error?: string }
}
function pidOf(s: Session): number {
  return Number(s.stderr.find((l) => l.startsWith('PID '))!.slice(4))
}

describe('protocol', () => {
  test('protocol.ts lists exactly the commands and events of launcher/protocol-examples.json and docs/ipc.md', () => {
    const ex = JSON.parse(readFileSync(join(launcherDir, 'protocol-examples.json'), 'utf8')) as {
      commands: Array<{ type: string }>
      events: Array<{ type: string }>
    }
    assert.deepEqual([...new Set(ex.commands.map((c) => c.type))].sort(), [...COMMAND_TYPES].sort())
    assert.deepEqual([...new Set(ex.events.map((c) => c.type))].sort(), [...EVENT_TYPES].sort())
    const doc = readFileSync(join(root, 'docs', 'ipc.md'), 'utf8')
    for (const t of [...COMMAND_TYPES, ...EVENT_TYPES]) assert.ok(doc.includes('`' + t + '`'), `docs/ipc.md lacks ${t}`)
  })
})

describe('framing (docs/ipc.md)', () => {
  test('unframeLine and frameLine agree with launcher/protocol-examples.json, and a log write without a newline cannot swallow a frame', async () => {
    const { frameLine, unframeLine } = await import('../scripts/ipc/framing.js')
    const ex = JSON.parse(readFileSync(join(launcherDir, 'protocol-examples.json'), 'utf8')) as {
      framing: { token: string; stdout: Array<{ line: string; command: string | null }> }
    }
    const { token, stdout } = ex.framing
    for (const { line, command } of stdout) {
      const json = unframeLine(line, token)
      const type = json?.startsWith('{') ? (JSON.parse(json) as { type: string }).type : null
      assert.equal(type, command, line)
    }
    const written = 'partial log text' + frameLine('{"type":"center"}', token)
    const framed = written.split('\n').filter((line) => unframeLine(line, token) !== undefined)
    assert.deepEqual(framed, [token + '{"type":"center"}'])
  })
})

describe('app identity (stable origin and storage folder per app)', () => {
  test('the app id comes from the package name; its preferred port is stable, in 20000-31999, and differs between apps', async () => {
    const { appId } = await import('../scripts/cli/launcher.js')
    const { preferredPort } = await import('../scripts/server/port.js')
    const config = (name: string) => ({ name }) as Parameters<typeof appId>[0]
    assert.equal(appId(config('@acme/My Notes')), 'acme.My-Notes')
    assert.equal(appId(config('notes')), 'notes')
    assert.equal(preferredPort('notes'), preferredPort('notes'))
    assert.notEqual(preferredPort('notes'), preferredPort('notes2'))
    for (const id of ['a', 'notes', 'acme.My-Notes', 'x'.repeat(128)]) assert.ok(preferredPort(id) >= 20000 && preferredPort(id) < 32000)
  })
})

describe('launcher sources', () => {
  test('cargo test (JSON, protocol, CLI unit tests)', { skip: !have('cargo') && 'no cargo', timeout: 240_000 }, () => {
    const r = spawnSync('cargo', ['test', '--offline', '--quiet'], { cwd: launcherDir, encoding: 'utf8', timeout: 230_000 })
    assert.equal(r.status, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /test result: ok/)
  })

  test('prebuilt binaries match the sources (launcher/prebuilt/SOURCES.sha256); rebuild with launcher/build.sh', () => {
    const stamp = readFileSync(join(launcherDir, 'prebuilt', 'SOURCES.sha256'), 'utf8')
    assert.equal(stamp, sourcesStamp(), 'launcher sources changed since the prebuilt binaries were built: run launcher/build.sh')
    assert.ok(existsSync(join(launcherDir, 'prebuilt', 'linux-x64', 'taupy-launcher')))
  })
})

describe('linux launcher under X', { skip: !linux && 'linux only', timeout: 180_000 }, () => {
  before(async () => {
    await ensureDisplay()
  })
  after(() => stopDisplay())

  test('bad usage exits 2 with the usage text', () => {
    const r = spawnSync(bin, ['--width', 'wide', '--', 'true'], { encoding: 'utf8', timeout: 5000 })
    assert.equal(r.status, 2)
    assert.match(r.stderr, /USAGE/)
  })

  test('window, title, size, eval, page messages, dialog, blocked navigation, close ends both with 0', async (t) => {
    const started = Date.now()
    const s = startSession(bin, ['--title', 'Launcher Test', '--size', '800x600', ...backendArgs], env)
    try {
      await s.waitEvent('window_ready')
      const loaded = await s.waitEvent('page_loaded')
      const launchToLoaded = Date.now() - started
      t.diagnostic(`launch to page_loaded: ${launchToLoaded} ms`)
      assert.match(String(loaded.url), /^http:\/\/127\.0\.0\.1:\d+\//)
      assert.ok(s.stderr.includes('a log line that is not JSON'), 'backend stderr passes through')
      assert.ok(s.stderr.includes('plain stdout log line'), 'non-JSON stdout passes through to stderr')

      const page = await s.waitEvent('page_message')
      assert.deepEqual((page.data as { hello: string }).hello, 'from page')

      const id = await waitWindow('^Launcher Test$')
      assert.deepEqual(windowSize(id), { width: 800, height: 600 })

      assert.deepEqual(await post(s, { op: 'setTitle', title: 'Título ✓ set' }), { ok: true, result: null })
      assert.equal(windowName(id), 'Título ✓ set')

      await post(s, { op: 'setSize', width: 640, height: 480 })
      for (let i = 0; i < 40 && windowSize(id).width !== 640; i++) await sleep(50)
      assert.deepEqual(windowSize(id), { width: 640, height: 480 })
      await s.waitFor((l) => l.includes('"type":"resized","width":640,"height":480'))

      assert.deepEqual(await post(s, { op: 'eval', script: '1 + 2' }), { ok: true, result: 3 })
      assert.deepEqual(await post(s, { op: 'eval', script: '({ title: document.title, n: [1, "x"] })' }), {
        ok: true,
        result: { title: 'Fixture', n: [1, 'x'] },
      })
      const bad = await post(s, { op: 'eval', script: 'nope.nope' })
      assert.equal(bad.ok, false)
      assert.match(String(bad.error), /eval_failed/)

      // Unknown and malformed commands get an error event; nothing crashes.
      await post(s, { op: 'raw', command: { type: 'fly_to_moon' } })
      const err = await s.waitEvent('error')
      assert.equal(err.code, 'unknown_command')
      assert.equal(err.command, 'fly_to_moon')

      // A link to another origin, clicked by the user, is refused and handed to the system
      // browser (xdg-open stand-in).
      clickAt(id, 40, 30)
      const blocked = await s.waitEvent('navigation_blocked')
      assert.equal(blocked.url, 'https://example.com/')
      for (let i = 0; i < 40 && !existsSync(xdgLog); i++) await sleep(50)
      assert.equal(readFileSync(xdgLog, 'utf8').trim(), 'https://example.com/')
      assert.deepEqual(await post(s, { op: 'eval', script: 'location.origin === new URL(' + JSON.stringify(loaded.url) + ').origin' }), { ok: true, result: true })

      // A file dialog: opened on request, closed by the test like a user would; the reply says cancelled.
      const pick = post(s, { op: 'openFile', title: 'Pick a test file' })
      const dialogId = await waitWindow('^Pick a test file$')
      closeWindow(dialogId)
      assert.deepEqual(await pick, { ok: true, result: null })

      // RSS: the launcher and its WebKit processes (not the node backend).
      const rss = treeRssKiB(s.child.pid!, ['node', 'esbuild'])
      t.diagnostic(`RSS launcher+WebKit: ${(rss.kib / 1024).toFixed(1)} MiB (PSS ${(rss.pssKib / 1024).toFixed(1)} MiB) [${rss.processes.join(', ')}]`)
      if (have('chromium') && process.env.LAUNCHER_TEST_CHROMIUM !== '0') {
        const profile = mkdtempSync(join(tmpdir(), 'taupy-chromium-'))
        const c = startSession('chromium', [
          `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', '--disable-extensions',
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), `--app=${loaded.url}`,
        ])
        await waitWindow('Fixture', 20000).catch(() => undefined)
        await sleep(1500)
        const crss = treeRssKiB(c.child.pid!)
        t.diagnostic(`RSS chromium --app: ${(crss.kib / 1024).toFixed(1)} MiB (PSS ${(crss.pssKib / 1024).toFixed(1)} MiB) in ${crss.processes.length} processes`)
        c.child.kill('SIGTERM')
        await Promise.race([c.exited, sleep(5000)])
        c.child.kill('SIGKILL')
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) // its helpers may still be writing
      }

      // Closing the window: close_requested -> the backend exits -> the launcher exits with its code.
      const backendPid = pidOf(s)
      closeWindow(id)
      await s.waitEvent('close_requested')
      const r = await exitWithin(s, 10000)
      assert.deepEqual(r, { code: 0, signal: null })
      for (let i = 0; i < 20 && alive(backendPid); i++) await sleep(50)
      assert.equal(alive(backendPid), false, 'backend exited')
      assert.ok(s.stderr.includes('SHUTDOWN'), 'backend ran its shutdown hooks')
      assert.deepEqual(findWindows('^Título'), [])
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('what the backend prints (console.log, echoed page text) is never obeyed as a command (docs/security.md, IPC framing)', async () => {
    const s = startSession(bin, ['--title', 'Injection Test', ...backendArgs], env)
    try {
      await s.waitEvent('page_loaded')
      const id = await waitWindow('^Injection Test$')
      const injected = ['{"type":"set_title","title":"Injected"}', '{"type":"open_external","url":"https://example.com/injected"}', '{"type":"exit","code":7}']
      // A log line with embedded newlines, and a write without a trailing newline (it must not
      // swallow the next real command either).
      await post(s, { op: 'log', text: `user said: x\n${injected.join('\n')}` })
      await post(s, { op: 'write', text: `partial ${injected[2]}` })
      // The page echoed by the app: its text reaches stdout through console.log.
      await post(s, { op: 'eval', script: `window.taupy.postMessage(${JSON.stringify(injected[2])}); 0` })
      assert.deepEqual(await post(s, { op: 'setTitle', title: 'Still Mine' }), { ok: true, result: null })
      assert.equal(windowName(id), 'Still Mine')
      await sleep(300)
      assert.equal(s.child.exitCode, null, 'the launcher did not obey the printed exit')
      assert.ok(s.stderr.some((l) => l.includes('{"type":"set_title","title":"Injected"}')), 'printed lines are copied to stderr as log')
      assert.equal(existsSync(xdgLog) && readFileSync(xdgLog, 'utf8').includes('injected'), false, 'no browser opened')
      await post(s, { op: 'exit', code: 0 }).catch(() => undefined)
      assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('the page: no external open without a user gesture, mailto only when allowed, no messages from a sandboxed frame, size and rate limits', async (t) => {
    const log = join(mkdtempSync(join(tmpdir(), 'taupy-xdg-')), 'opened.txt')
    const s = startSession(bin, ['--title', 'Page Limits', ...backendArgs], { ...env, XDG_OPEN_LOG: log })
    const opened = () => (existsSync(log) ? readFileSync(log, 'utf8') : '')
    try {
      const loaded = await s.waitEvent('page_loaded')
      const id = await waitWindow('^Page Limits$')
      await s.waitEvent('page_message')
      // 20 window.open calls from a script with no user gesture: all refused, none opened.
      await post(s, { op: 'eval', script: 'location.href = "/?flood=1"; 0' })
      await s.waitFor((l) => l.includes('"url":"https://example.com/flood19"'))
      await sleep(300)
      const flood = s.events.filter((e) => e.type === 'navigation_blocked' && String(e.url).includes('flood'))
      assert.equal(flood.length, 20)
      assert.ok(flood.every((e) => e.opened === false), 'none handed to the browser')
      assert.equal(opened(), '', 'xdg-open never ran')
      // A user's click on a mailto: link is refused too unless the app allows it (--allow-mailto).
      clickAt(id, 40, 130)
      await s.waitFor((l) => l.includes('"url":"mailto:someone@example.com"'))
      assert.equal(s.events.find((e) => e.type === 'navigation_blocked' && e.url === 'mailto:someone@example.com')?.opened, false)
      // A user's click on an http link still opens the browser.
      clickAt(id, 40, 30)
      await s.waitFor((l) => l.includes('"url":"https://example.com/","opened":true'))
      for (let i = 0; i < 40 && !opened(); i++) await sleep(50)
      assert.equal(opened().trim(), 'https://example.com/')

      // A sandboxed (opaque-origin) frame cannot reach the bridge.
      const frame = '<script>try { window.webkit.messageHandlers.taupy.postMessage(JSON.stringify({ kind: "message", data: "from sandboxed frame" })) } catch (e) {}' +
        ' try { parent.taupy.postMessage("from sandboxed frame via parent") } catch (e) {}</script>'
      const added = await post(s, { op: 'eval', script: `{ const f = document.createElement('iframe'); f.sandbox = 'allow-scripts'; f.srcdoc = ${JSON.stringify(frame)}; document.body.append(f) } 0` })
      assert.deepEqual(added, { ok: true, result: 0 })
      await sleep(1000)
      assert.equal(s.stderr.some((l) => l.startsWith('EVENT ') && l.includes('from sandboxed frame')), false, 'no page_message from the frame')

      // A page message over 1 MiB is refused in the page; a flood is cut to the rate limit.
      const big = await post(s, { op: 'eval', script: 'window.taupy.postMessage("x".repeat(2 * 1024 * 1024)); 0' })
      assert.equal(big.ok, false)
      assert.match(String(big.error), /1 MiB|too large/i)
      const before = s.events.filter((e) => e.type === 'page_message').length
      await post(s, { op: 'eval', script: 'for (let i = 0; i < 2000; i++) window.taupy.postMessage({ n: i }); 0' })
      await s.waitFor((l) => l.includes('"code":"rate_limited"'), 5000)
      await sleep(500)
      const delivered = s.events.filter((e) => e.type === 'page_message').length - before
      t.diagnostic(`${delivered} of 2000 flooded page messages delivered (burst 200, 100/s)`)
      assert.ok(delivered >= 100 && delivered < 600, `${delivered} of 2000 flooded messages delivered`)
      assert.deepEqual(await post(s, { op: 'eval', script: 'location.origin === new URL(' + JSON.stringify(loaded.url) + ').origin' }), { ok: true, result: true })
      await post(s, { op: 'exit', code: 0 }).catch(() => undefined)
      assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('web storage persists per app (--app-id): it survives a restart and another app on the same port does not see it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'taupy-home-'))
    const storageEnv = { ...env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache') }
    const run = async (appId: string, script: string, port?: number) => {
      const s = startSession(bin, ['--title', `Storage ${appId}`, '--app-id', appId, ...backendArgs], { ...storageEnv, ...(port ? { FIXTURE_PORT: String(port) } : {}) })
      try {
        const loaded = await s.waitEvent('page_loaded')
        const result = await post(s, { op: 'eval', script })
        await post(s, { op: 'exit', code: 0 }).catch(() => undefined)
        assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
        return { result, port: Number(new URL(String(loaded.url)).port) }
      } finally {
        s.child.kill('SIGKILL')
      }
    }
    try {
      const first = await run('notes-app', 'localStorage.setItem("kept", "v1"); localStorage.getItem("kept")')
      assert.deepEqual(first.result, { ok: true, result: 'v1' })
      const again = await run('notes-app', 'localStorage.getItem("kept")')
      assert.equal(again.port, first.port, 'the same app gets the same origin')
      assert.deepEqual(again.result, { ok: true, result: 'v1' }, 'storage survives a restart')
      const other = await run('other-app', 'localStorage.getItem("kept")', first.port)
      assert.equal(other.port, first.port, 'the other app runs on the very same origin')
      assert.deepEqual(other.result, { ok: true, result: null }, 'and does not see the first app\'s storage')
      assert.ok(existsSync(join(home, 'data', 'taupy', 'notes-app', 'webview')), 'under the user\'s data dir, per app')
    } finally {
      // WebKit's helper processes may still be writing their shader cache for a moment.
      rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
    }
  })

  test('a backend that stops reading its stdin does not block the window (events are queued, bounded, then dropped)', async () => {
    const s = startSession(bin, ['--title', 'Deaf Test', '--close-timeout', '1500', ...backendArgs], env)
    try {
      await s.waitEvent('page_loaded')
      const id = await waitWindow('^Deaf Test$')
      await post(s, { op: 'deaf' })
      // ~20 MB of page messages toward a backend that reads none of them (the pipe holds 64 KiB).
      await post(s, { op: 'raw', command: { type: 'eval', script: 'for (let i = 0; i < 200; i++) window.taupy.postMessage("x".repeat(100000)); 0' } })
      await s.waitFor((l) => l.includes('not reading its stdin; dropping events'), 15_000)
      await post(s, { op: 'raw', command: { type: 'set_title', title: 'Still Responsive' } })
      for (let i = 0; i < 60 && windowName(id) !== 'Still Responsive'; i++) await sleep(50)
      assert.equal(windowName(id), 'Still Responsive', 'the UI thread kept running')
      await post(s, { op: 'raw', command: { type: 'exit', code: 0 } })
      assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('a close can be vetoed by the backend; exit then ends both', async () => {
    const s = startSession(bin, ['--title', 'Veto Test', '--close-timeout', '1500', ...backendArgs], { ...env, FIXTURE_MODE: 'veto-close' })
    try {
      await s.waitEvent('page_loaded')
      const id = await waitWindow('^Veto Test$')
      closeWindow(id)
      await s.waitFor((l) => l === 'VETOED')
      await sleep(2500) // longer than the close timeout: a veto stops the grace timer
      assert.equal(s.child.exitCode, null, 'still running after the veto')
      assert.equal(findWindows('^Veto Test$').length, 1)
      await post(s, { op: 'exit', code: 0 }).catch(() => undefined)
      assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('a backend that crashes after load: error page, then closing exits with its code', async () => {
    const s = startSession(bin, ['--title', 'Crash Test', ...backendArgs], { ...env, FIXTURE_MODE: 'crash-after-load' })
    try {
      await s.waitFor((l) => l.includes('something broke'))
      await s.waitFor((l) => l.includes('taupy-launcher: the backend exited with code 3; showing the error page'))
      const id = await waitWindow('^Crash Test')
      assert.match(windowName(id), /stopped/)
      closeWindow(id)
      assert.deepEqual(await exitWithin(s, 8000), { code: 3, signal: null })
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('a backend that fails before ready: the launcher exits non-zero with its stderr', async () => {
    const s = startSession(bin, ['--title', 'Early Test', ...backendArgs], { ...env, FIXTURE_MODE: 'crash-before-ready' })
    assert.deepEqual(await exitWithin(s, 10000), { code: 3, signal: null })
    assert.ok(s.stderr.some((l) => l.includes('before it was ready')))
    assert.ok(s.stderr.some((l) => l.includes('cannot start (simulated failure)')))
  })

  test('SIGKILL on the launcher ends the backend within a second', async () => {
    const s = startSession(bin, ['--title', 'Kill Test', ...backendArgs], env)
    try {
      await s.waitEvent('page_loaded')
      const backendPid = pidOf(s)
      s.child.kill('SIGKILL')
      await s.exited
      const t0 = Date.now()
      while (alive(backendPid) && Date.now() - t0 < 3000) await sleep(20)
      assert.equal(alive(backendPid), false, 'backend still alive')
      assert.ok(Date.now() - t0 < 1000, `backend took ${Date.now() - t0} ms`)
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('the window and its native splash come first; the app page replaces it once loaded', async (t) => {
    const s = startSession(bin, ['--title', 'Splash Test', '--splash-background', '#336699', ...backendArgs], {
      ...env, FIXTURE_READY_DELAY_MS: '3000', TAUPY_TRACE: '1',
    })
    try {
      const painted = await s.waitFor((l) => l.startsWith('taupy-launcher: trace splash_painted '))
      t.diagnostic(painted)
      const id = await waitWindow('^Splash Test$')
      assert.ok(!s.stderr.includes('READY NOW'), 'the splash was up before the backend was ready')
      let colour = ''
      for (let i = 0; i < 40 && colour !== '#336699'; i++, await sleep(50)) colour = pixel(id, 5, 5)
      assert.equal(colour, '#336699', 'the splash is painted in its background colour')
      await s.waitEvent('page_loaded', 20000)
      t.diagnostic(String(s.stderr.find((l) => l.startsWith('taupy-launcher: trace page_loaded '))))
      for (let i = 0; i < 40 && colour !== '#ffffff'; i++, await sleep(50)) colour = pixel(id, 5, 5)
      assert.equal(colour, '#ffffff', 'the app page (white) replaced the splash')
      assert.deepEqual(await post(s, { op: 'eval', script: 'typeof window.taupy.postMessage' }), { ok: true, result: 'function' })
      closeWindow(id)
      assert.deepEqual(await exitWithin(s, 10000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('--splash-html is shown until the app is ready, without window.taupy and unheard by the launcher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taupy-splash-'))
    const splash = join(dir, 'splash.html')
    // Orange when it has no bridge, red if it had one; it also tries the raw message handler.
    writeFileSync(splash, `<!doctype html><body><script>
      document.body.style.background = window.taupy ? '#ff0000' : '#ff8800'
      var h = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.taupy
      if (h) h.postMessage(JSON.stringify({ kind: 'message', data: 'from splash' }))
    </script>`)
    const s = startSession(bin, ['--title', 'Splash Html', '--splash-html', splash, ...backendArgs], { ...env, FIXTURE_READY_DELAY_MS: '3000' })
    try {
      const id = await waitWindow('^Splash Html$')
      let colour = ''
      for (let i = 0; i < 60 && colour !== '#ff8800'; i++, await sleep(50)) colour = pixel(id, 5, 5)
      assert.equal(colour, '#ff8800', 'the splash page shows, with no window.taupy')
      assert.ok(!s.stderr.includes('READY NOW'))
      await s.waitEvent('page_loaded', 20000)
      const page = await s.waitEvent('page_message')
      assert.equal((page.data as { hello: string }).hello, 'from page')
      assert.ok(!s.events.some((e) => e.type === 'page_message' && e.data === 'from splash'), 'the splash page cannot talk to the backend')
      for (let i = 0; i < 40 && colour !== '#ffffff'; i++, await sleep(50)) colour = pixel(id, 5, 5)
      assert.equal(colour, '#ffffff')
      assert.deepEqual(await post(s, { op: 'eval', script: 'typeof window.taupy.postMessage' }), { ok: true, result: 'function' })
      closeWindow(id)
      assert.deepEqual(await exitWithin(s, 10000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  })

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${signal} on the launcher: the backend gets EOF and ends gracefully, then the launcher exits with its code`, async () => {
      const s = startSession(bin, ['--title', `Signal ${signal}`, ...backendArgs], env)
      try {
        await s.waitEvent('page_loaded')
        const backendPid = pidOf(s)
        s.child.kill(signal)
        assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
        assert.ok(s.stderr.includes('SHUTDOWN'), 'the backend ran its shutdown hooks (stdin EOF)')
        for (let i = 0; i < 20 && alive(backendPid); i++) await sleep(50)
        assert.equal(alive(backendPid), false, 'backend exited')
        assert.deepEqual(findWindows(`^Signal ${signal}$`), [])
      } finally {
        s.child.kill('SIGKILL')
      }
    })
  }

  test('SIGTERM while the splash waits for the backend: both end, the backend gracefully', async () => {
    const s = startSession(bin, ['--title', 'Early Signal', ...backendArgs], { ...env, FIXTURE_READY_DELAY_MS: '5000' })
    try {
      await s.waitFor((l) => l.startsWith('PID '))
      await waitWindow('^Early Signal$')
      const backendPid = pidOf(s)
      s.child.kill('SIGTERM')
      assert.deepEqual(await exitWithin(s, 8000), { code: 0, signal: null })
      assert.ok(s.stderr.includes('SHUTDOWN'))
      for (let i = 0; i < 20 && alive(backendPid); i++) await sleep(50)
      assert.equal(alive(backendPid), false)
    } finally {
      s.child.kill('SIGKILL')
    }
  })

  test('--url mode: commands on stdin, events on stdout', async () => {
    const http = await import('node:http')
    const server = http.createServer((_q, res) => res.end('<title>url mode</title>ok')).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as { port: number }).port
    const s = startSession(bin, ['--title', 'Url Mode', '--url', `http://127.0.0.1:${port}/`], env)
    try {
      await s.waitEvent('page_loaded')
      s.child.stdin!.write('{"type":"set_title","id":"t1","title":"Url Mode Renamed"}\nnot json\n{"type":"eval","id":2,"script":"document.title"}\n')
      await s.waitFor((l) => l === '{"type":"reply","id":"t1","ok":true,"result":null}', 5000, 'stdout')
      await s.waitFor((l) => l === '{"type":"reply","id":2,"ok":true,"result":"url mode"}', 5000, 'stdout')
      assert.ok(s.stdout.every((l) => l.startsWith('{')), 'stdout carries only protocol lines')
      const id = await waitWindow('^Url Mode Renamed$')
      closeWindow(id)
      assert.deepEqual(await exitWithin(s, 5000), { code: 0, signal: null })
    } finally {
      s.child.kill('SIGKILL')
      server.close()
    }
  })
})
