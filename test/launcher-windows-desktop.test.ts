// The launcher's desktop integration on Windows (issue 15, points 4, 5 and 7) under wine64 +
// Xvfb, the shipped exe (launcher/prebuilt), in one private wine prefix: single instance
// with two real starts (the pipe's name, DACL and owner check run for real), URL schemes under
// HKCU\Software\Classes reached through ShellExecute, the Run key, and the clipboard.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ensureDisplay, findWindows, fixtureDir, launcherDir, sleep, startSession, stopDisplay, waitWindow, type Session } from './fixtures/launcher/harness.js'
import { boot, createPrefix, haveWine, removePrefix, settle, wine64, windowsPath } from './helpers/wine.js'

const canBuild = spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const out = mkdtempSync(join(tmpdir(), 'taupy-win-instance-'))
// The shipped exe: test/launcher.test.ts fails when it is older than the sources, and
// test/launcher-windows.test.ts builds the same sources with rustc 1.63 itself.
const exe = process.env.TAUPY_LAUNCHER_EXE ?? join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')
const squatExe = join(out, 'squat-pipe.exe')
const prefix = createPrefix('instance')
const url = 'http://127.0.0.1:9/'

function secondStart(args: string[], cwd: string, appId = 'wine-instance'): Promise<{ code: number | null; ms: number; stderr: string }> {
  const t0 = performance.now()
  const child = spawn(wine64, [exe, '--app-id', appId, '--single-instance', '--protocols', 'myapp', '--url', url, '--', ...args], {
    cwd,
    env: { ...process.env, ...prefix.vars },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) => child.on('exit', (code) => (clearTimeout(timer), resolve({ code, ms: performance.now() - t0, stderr }))))
}

describe('windows desktop integration (wine64)', { skip: !(canBuild && haveWine) && 'needs mingw and wine64', timeout: 600_000 }, () => {
  before(async () => {
    const cc = spawnSync('x86_64-w64-mingw32-gcc', ['-municode', '-O1', '-Wall', '-o', squatExe, join(fixtureDir, 'squat-pipe.c'), '-ladvapi32'], { encoding: 'utf8' })
    assert.equal(cc.status, 0, cc.stderr)
    await ensureDisplay()
    boot(prefix)
  })
  after(() => {
    stopDisplay()
    removePrefix(prefix)
  })

  test('a second start hands over args and cwd through the user-only pipe, shows the window, exits 0', async (t) => {
    const first: Session = startSession(wine64, [exe, '--app-id', 'wine-instance', '--single-instance', '--protocols', 'myapp', '--title', 'Wine One', '--url', url], prefix.vars)
    try {
      await first.waitEvent('window_ready', 60_000)
      await waitWindow('^Wine One$', 20_000)
      first.child.stdin!.write('{"type":"hide","id":"h"}\n')
      await first.waitFor((l) => l.includes('"id":"h"'), 10_000, 'stdout')
      for (let i = 0; i < 40 && findWindows('^Wine One$').length; i++) await sleep(50)
      assert.equal(findWindows('^Wine One$').length, 0, 'hidden')

      const cwd = mkdtempSync(join(out, 'cwd-'))
      const times: number[] = []
      const r = await secondStart(['--open', 'a file.txt', 'myapp://open?doc=42'], cwd)
      assert.equal(r.code, 0, r.stderr)
      times.push(r.ms)
      const ev = await first.waitEvent('second_instance', 5000)
      assert.deepEqual(ev.args, ['--open', 'a file.txt', 'myapp://open?doc=42'])
      assert.equal(String(ev.cwd).toLowerCase(), windowsPath(cwd).toLowerCase())
      assert.deepEqual(await first.waitEvent('open_url', 5000), { type: 'open_url', url: 'myapp://open?doc=42' })
      await waitWindow('^Wine One$', 5000)
      for (let i = 0; i < 3; i++) {
        const again = await secondStart([`run-${i}`], cwd)
        assert.equal(again.code, 0, again.stderr)
        times.push(again.ms)
        await first.waitFor((l) => l.includes(`"run-${i}"`), 5000, 'stdout')
      }
      t.diagnostic(`wine hand-over (wine64 spawn -> exit 0): ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`)
      assert.equal(findWindows('^Wine One$').length, 1, 'still one window')
    } finally {
      first.child.kill('SIGKILL')
      await first.exited
      settle(prefix)
    }
  })

  test('deep links: the first start registers myapp: under HKCU\\Software\\Classes, `start myapp://…` reaches the running app, unregister removes it', async () => {
    const key = 'HKCU\\Software\\Classes\\myapp'
    const query = (k: string) => spawnSync(wine64, ['reg', 'query', k], { env: prefix.env, encoding: 'utf8', timeout: 60_000 })
    const first: Session = startSession(wine64, [exe, '--app-id', 'wine-links', '--single-instance', '--protocols', 'myapp', '--register-protocols', '--title', 'Wine Links', '--url', url], prefix.vars)
    try {
      await first.waitEvent('window_ready', 60_000)
      let command = ''
      for (let i = 0; i < 60 && !command.includes('%1'); i++) {
        command = query(`${key}\\shell\\open\\command`).stdout
        if (!command.includes('%1')) await sleep(250)
      }
      assert.ok(command.includes('taupy-launcher.exe') && command.includes('"--app-id" "wine-links"') && command.includes('"--" "%1"'), command)
      assert.match(query(key).stdout, /URL Protocol/)
      assert.match(query(key).stdout, /TaupyAppId\s+REG_SZ\s+wine-links/)

      // Windows reads HKCR as HKCU\Software\Classes over HKLM's; wine 8 reads HKLM's only, so
      // the key is mirrored there for wine's ShellExecute, which then runs our command line.
      const mirror = spawnSync(wine64, ['reg', 'copy', key, 'HKLM\\Software\\Classes\\myapp', '/s', '/f'], { env: prefix.env, encoding: 'utf8', timeout: 60_000 })
      assert.equal(mirror.status, 0, mirror.stderr)
      const link = 'myapp://open?doc=42&x=y%20z&q=a b'
      const start = spawnSync(wine64, ['start', link], { env: prefix.env, encoding: 'utf8', timeout: 60_000 })
      assert.equal(start.status, 0, `${start.stdout}${start.stderr}`)
      assert.deepEqual(await first.waitEvent('open_url', 20_000), { type: 'open_url', url: link })

      first.child.stdin!.write('{"type":"unregister_protocols","id":"u"}\n')
      await first.waitFor((l) => l.includes('"id":"u"'), 10_000, 'stdout')
      assert.deepEqual(first.events.find((e) => e.id === 'u'), { type: 'reply', id: 'u', ok: true, result: { removed: ['myapp'] } })
      assert.notEqual(query(key).status, 0, 'the key is gone')
    } finally {
      first.child.kill('SIGKILL')
      await first.exited
      settle(prefix)
    }
  })

  async function ask(s: Session, id: string, body: object) {
    s.child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`)
    await s.waitFor((l) => l.includes(`"id":"${id}"`), 10_000, 'stdout')
    return s.events.find((e) => e.id === id)!
  }

  test('autostart under HKCU\\…\\Run and the clipboard between two launchers', async () => {
    const run = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'
    const query = () => spawnSync(wine64, ['reg', 'query', run, '/v', 'taupy-wine-auto'], { env: prefix.env, encoding: 'utf8', timeout: 60_000 })
    const a: Session = startSession(wine64, [exe, '--app-id', 'wine-auto', '--title', 'Wine Auto', '--url', url], prefix.vars)
    const b: Session = startSession(wine64, [exe, '--app-id', 'wine-clip', '--title', 'Wine Clip', '--url', url], prefix.vars)
    try {
      await Promise.all([a.waitEvent('window_ready', 60_000), b.waitEvent('window_ready', 60_000)])
      assert.equal((await ask(a, 's1', { type: 'set_autostart', enabled: true })).ok, true)
      const value = query().stdout
      assert.ok(value.includes('taupy-launcher.exe') && value.includes('"--app-id" "wine-auto"') && value.includes('"--url"'), value)
      assert.deepEqual((await ask(a, 'g1', { type: 'get_autostart' })).result, { enabled: true })
      assert.equal((await ask(a, 's2', { type: 'set_autostart', enabled: false })).ok, true)
      assert.notEqual(query().status, 0, 'the Run value is gone')
      assert.deepEqual((await ask(a, 'g2', { type: 'get_autostart' })).result, { enabled: false })

      const text = 'héllo ✓ "quoted"\r\nsecond line \u{1F600}'
      assert.equal((await ask(a, 'w1', { type: 'write_clipboard', text })).ok, true)
      assert.deepEqual((await ask(b, 'r1', { type: 'read_clipboard' })).result, { text })
      assert.equal((await ask(b, 'w2', { type: 'write_clipboard', text: 'from B' })).ok, true)
      assert.deepEqual((await ask(a, 'r2', { type: 'read_clipboard' })).result, { text: 'from B' })
    } finally {
      for (const s of [a, b]) s.child.kill('SIGKILL')
      await Promise.all([a.exited, b.exited])
      settle(prefix)
    }
  })

  test('a pipe of that name owned by another account gets nothing: the second start checks the owner and exits 1', async () => {
    const cwd = mkdtempSync(join(out, 'squat-'))
    // Control: a pipe our own user owns is a running copy, and gets the args.
    const ours = startSession(wine64, [squatExe, 'wine-squat-ours', 'O:MED:(A;;GA;;;WD)'], prefix.vars)
    try {
      await ours.waitFor((l) => l === 'listening', 30_000, 'stdout')
      const sent = await secondStart(['secret-arg'], cwd, 'wine-squat-ours')
      await ours.waitFor((l) => l.startsWith('got') || l === 'nothing', 10_000, 'stdout')
      assert.ok(ours.stdout.some((l) => l.startsWith('got') && l.includes('secret-arg')), ours.stdout.join('\n'))
      assert.notEqual(sent.code, 0, 'the stand-in never answers ok')
    } finally {
      ours.child.kill('SIGKILL')
      await ours.exited
    }
    // Owned by SYSTEM (another account): nothing is sent.
    const squatter = startSession(wine64, [squatExe, 'wine-squat', 'O:SYD:(A;;GA;;;WD)'], prefix.vars)
    try {
      await squatter.waitFor((l) => l === 'listening', 30_000, 'stdout')
      const r = await secondStart(['secret-arg'], cwd, 'wine-squat')
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /not owned by this user; nothing sent/)
      await squatter.waitFor((l) => l.startsWith('got') || l === 'nothing', 10_000, 'stdout')
      assert.deepEqual(squatter.stdout.filter((l) => l !== 'listening'), ['nothing'])
    } finally {
      squatter.child.kill('SIGKILL')
      await squatter.exited
      settle(prefix)
    }
  })
})
