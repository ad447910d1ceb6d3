// Windows launcher: built here with Debian's rustc 1.63 + mingw-w64 (which also proves the shared
// code compiles with 1.63), then run under wine64 + Xvfb. What wine can show: the Win32 window,
// set_title (xprop), the missing-WebView2 path (error event + message box), the file dialogs
// (wine implements the common item dialogs; the classic fallback too), DPI scaling, the backend
// lifecycle with a Windows stand-in backend (wine cannot pipe to a Linux `node`), and the
// launcher's side of the WebView2 COM contract against a stand-in runtime DLL
// (fixtures/launcher/fake-webview2.c) found through the registry. The real WebView2 runtime
// cannot run here (see docs/launcher.md, "Verified on").
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  alive, closeWindow, ensureDisplay, findWindows, fixtureDir, launcherDir, sleep, startSession, stopDisplay, waitWindow,
  windowName, windowSize, x, type Session,
} from './fixtures/launcher/harness.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const wine = process.env.WINE64 ?? '/usr/lib/wine/wine64'
const canBuild = existsSync(rustc) && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const canRun = canBuild && existsSync(wine) && process.platform === 'linux'
const out = mkdtempSync(join(tmpdir(), 'taupy-win-'))
const exe = join(out, 'taupy-launcher.exe')
const backendExe = join(out, 'win-backend.exe')
// A runtime "installed" per user: EdgeUpdate's keys point at <fakeRuntime>\EBWebView\x64\EmbeddedBrowserWebView.dll.
const fakeRuntime = join(out, 'EdgeWebView', '120.0.2210.91')
const clientGuid = '{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}'
const edgeUpdateKey = 'HKCU\\Software\\Microsoft\\EdgeUpdate'
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
function reg(args: string[]) {
  return spawnSync(wine, ['reg', ...args], { env: { ...process.env, ...wineEnv }, timeout: 60_000, encoding: 'utf8' })
}
function command(s: Session, line: object) {
  s.child.stdin!.write(`${JSON.stringify(line)}\n`)
}
function installFakeRuntime() {
  const winPath = 'Z:' + fakeRuntime.replace(/\//g, '\\')
  assert.equal(reg(['add', `${edgeUpdateKey}\\Clients\\${clientGuid}`, '/v', 'pv', '/t', 'REG_SZ', '/d', '120.0.2210.91', '/f']).status, 0)
  assert.equal(reg(['add', `${edgeUpdateKey}\\ClientState\\${clientGuid}`, '/v', 'EBWebView', '/t', 'REG_SZ', '/d', winPath, '/f']).status, 0)
}
async function reply(s: Session, id: number, ms = 10_000) {
  await s.waitFor((l) => l.startsWith(`{"type":"reply","id":${id},`), ms, 'stdout')
  return s.events.find((e) => e.type === 'reply' && e.id === id)!
}

describe('windows launcher (rustc 1.63 + mingw, wine64)', { skip: !canBuild && 'Debian rustc/mingw not installed', timeout: 600_000 }, () => {
  test('builds for x86_64-pc-windows-gnu with Debian rustc 1.63', { timeout: 300_000 }, () => {
    assert.match(spawnSync(rustc, ['--version'], { encoding: 'utf8' }).stdout, /^rustc 1\.63\./)
    build(join(launcherDir, 'src', 'main.rs'), exe, ['-C', 'opt-level=s', '-C', 'panic=abort'])
    build(join(fixtureDir, 'win-backend.rs'), backendExe)
    const dll = join(fakeRuntime, 'EBWebView', 'x64', 'EmbeddedBrowserWebView.dll')
    mkdirSync(dirname(dll), { recursive: true })
    const cc = spawnSync('x86_64-w64-mingw32-gcc', ['-shared', '-O1', '-Wall', '-o', dll, join(fixtureDir, 'fake-webview2.c'), '-lole32'], { encoding: 'utf8' })
    assert.equal(cc.status, 0, cc.stderr)
    assert.ok(existsSync(join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')), 'prebuilt exe shipped')
  })

  describe('under wine64 + Xvfb', { skip: !canRun && 'wine64 not installed' }, () => {
    before(async () => {
      await ensureDisplay()
      spawnSync(wine, ['wineboot', '-i'], { env: { ...process.env, ...wineEnv }, timeout: 120_000, stdio: 'ignore' })
      reg(['delete', edgeUpdateKey, '/f']) // a stand-in runtime left behind by an interrupted run
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
        // Unframed lines that look like commands are log (IPC framing): no set_title, no exit 7.
        assert.ok(s.stderr.includes('{"type":"set_title","title":"Injected"}'), 'an unframed command is log')
        await s.waitFor((l) => l.includes('{"type":"exit","code":7}'), 10_000)
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

    test('file dialogs are the common item dialogs: cancelled, a save path, an open path, a folder', async () => {
      const s = launch(['--title', 'Wine Dialogs', '--url', 'http://127.0.0.1:9/'])
      /** Enter in the dialog, as a user accepting what defaultPath filled in. */
      const accept = async (id: string) => {
        x('xdotool', ['windowfocus', '--sync', id])
        await sleep(300)
        x('xdotool', ['key', 'Return'])
      }
      try {
        await s.waitEvent('window_ready', 60_000)
        closeWindow(await waitWindow('^WebView2 Runtime missing$', 20_000))
        await sleep(300)
        command(s, { type: 'open_file_dialog', id: 1, title: 'Pick a wine file', multiple: true, filters: [{ name: 'Text', extensions: ['txt'] }] })
        closeWindow(await waitWindow('^Pick a wine file$', 20_000))
        assert.deepEqual((await reply(s, 1)).result, { cancelled: true, paths: [] })
        // SHBrowseForFolder's caption is always "Browse for Folder": a titled folder window is IFileOpenDialog + FOS_PICKFOLDERS.
        command(s, { type: 'open_folder_dialog', id: 2, title: 'Pick a wine folder', defaultPath: 'C:\\windows' })
        closeWindow(await waitWindow('^Pick a wine folder$', 20_000))
        assert.deepEqual((await reply(s, 2)).result, { cancelled: true, paths: [] })
        // defaultPath → SetFolder + SetFileName; Enter → GetResult → GetDisplayName(SIGDN_FILESYSPATH).
        command(s, { type: 'save_file_dialog', id: 3, title: 'Save a wine file', defaultPath: 'C:\\windows\\temp\\taupy-save.txt' })
        await accept(await waitWindow('^Save a wine file$', 20_000))
        assert.deepEqual((await reply(s, 3)).result, { cancelled: false, path: 'C:\\windows\\temp\\taupy-save.txt' })
        command(s, { type: 'open_file_dialog', id: 4, title: 'Open a wine file', defaultPath: 'C:\\windows\\win.ini' })
        await accept(await waitWindow('^Open a wine file$', 20_000))
        assert.deepEqual((await reply(s, 4)).result, { cancelled: false, paths: ['C:\\windows\\win.ini'] }, 'GetResults → IShellItemArray')
        assert.ok(!s.stderr.some((l) => l.includes('classic dialog')), s.stderr.join('\n'))
        closeWindow(await waitWindow('^Wine Dialogs$'))
        await s.waitEvent('close_requested', 10_000)
        assert.deepEqual(await exitWithin(s, 15_000), { code: 0, signal: null })
      } finally {
        s.child.kill('SIGKILL')
      }
    })

    test('classic dialogs when the common item dialog cannot be created (class not registered)', async () => {
      const key = 'HKLM\\Software\\Classes\\CLSID\\{DC1C5A9C-E88A-4DDE-A5A1-60F82A20AEF7}\\InprocServer32'
      assert.equal(reg(['delete', key, '/f']).status, 0)
      const s = launch(['--title', 'Wine Classic', '--url', 'http://127.0.0.1:9/'])
      try {
        await s.waitEvent('window_ready', 60_000)
        closeWindow(await waitWindow('^WebView2 Runtime missing$', 20_000))
        await sleep(300)
        command(s, { type: 'open_file_dialog', id: 1, title: 'Pick a classic file' })
        closeWindow(await waitWindow('^Pick a classic file$', 20_000))
        assert.deepEqual((await reply(s, 1)).result, { cancelled: true, paths: [] })
        command(s, { type: 'open_folder_dialog', id: 2, title: 'Pick a classic folder' })
        closeWindow(await waitWindow('^Browse for Folder$', 20_000))
        assert.deepEqual((await reply(s, 2)).result, { cancelled: true, paths: [] })
        assert.ok(s.stderr.includes('taupy-launcher: the common item dialog is unavailable (0x80040154); using the classic dialog'), s.stderr.join('\n'))
      } finally {
        s.child.kill('SIGKILL')
        // Wine's own registration, as wineboot writes it.
        reg(['add', key, '/ve', '/d', 'C:\\windows\\system32\\comdlg32.dll', '/f'])
        reg(['add', key, '/v', 'ThreadingModel', '/d', 'Apartment', '/f'])
      }
    })

    test('DPI-aware: at 192 dpi the protocol speaks logical pixels, the window is sized in physical ones', async () => {
      const fonts = 'HKCC\\Software\\Fonts' // wine's system DPI (LogPixels)
      assert.equal(reg(['add', fonts, '/v', 'LogPixels', '/t', 'REG_DWORD', '/d', '192', '/f']).status, 0)
      const s = launch(['--title', 'Wine Dpi', '--size', '400x300', '--url', 'http://127.0.0.1:9/'])
      try {
        await s.waitEvent('window_ready', 60_000)
        const id = await waitWindow('^Wine Dpi$', 20_000)
        assert.deepEqual(s.events.find((e) => e.type === 'resized'), { type: 'resized', width: 400, height: 300 })
        const before = windowSize(id)
        command(s, { type: 'set_size', id: 1, width: 500, height: 350 })
        await reply(s, 1, 20_000)
        await s.waitFor((l) => l === '{"type":"resized","width":500,"height":350}', 10_000, 'stdout')
        const after = windowSize(id)
        assert.deepEqual({ width: after.width - before.width, height: after.height - before.height }, { width: 200, height: 100 })
      } finally {
        s.child.kill('SIGKILL')
        reg(['add', fonts, '/v', 'LogPixels', '/t', 'REG_DWORD', '/d', '96', '/f'])
      }
    })

    test('WebView2 hosted through COM (stand-in runtime): loader, handlers, origin rule, messages, eval', async () => {
      installFakeRuntime()
      const url = 'http://127.0.0.1:9/?taupy=s3cret'
      const s = launch(['--title', 'Wine Hosted', '--url', url])
      try {
        await s.waitEvent('window_ready', 60_000)
        const fake = (l: string) => s.stderr.includes(`FAKE ${l}`)
        assert.deepEqual(await s.waitEvent('page_loaded', 20_000), { type: 'page_loaded', url })
        // The page (fake) posts, tries to leave the origin three ways, then posts "done".
        await s.waitFor((l) => l === '{"type":"page_message","data":"done"}', 20_000, 'stdout')
        assert.ok(s.stderr.some((l) => l.startsWith('FAKE create check=1 type=0 options=null')), 'installed runtime via the internal entry point')
        assert.ok(s.stderr.some((l) => /^FAKE user data folder C:\\users\\[^\\]+\\AppData\\Local\\Wine Hosted\\WebView2$/.test(l)), 'per-user app data, not the exe folder')
        assert.ok(fake('handler QueryInterface own=0x00000000 other=0x80004002'))
        assert.ok(fake('script has window.taupy '), 'bridge injected')
        assert.ok(fake('devtools enabled 0 ') && fake('host objects 0 ') && fake('visible 1 '))
        assert.ok(s.stderr.some((l) => /^FAKE bounds \d+x\d+$/.test(l)), 'controller bounds follow the client area')
        assert.ok(s.stderr.indexOf('FAKE script has window.taupy ') < s.stderr.indexOf(`FAKE navigate ${url}`), 'script before first load')
        const messages = s.events.filter((e) => e.type === 'page_message').map((e) => e.data)
        assert.deepEqual(messages, [{ hello: 'fake page' }, 'done'], 'the foreign-origin message was dropped')
        const blocked = s.events.filter((e) => e.type === 'navigation_blocked')
        assert.deepEqual(blocked.map((e) => e.url), ['ftp://example.com/file', 'ftp://frame.example/', 'ftp://popup.example/'])
        assert.ok(blocked.every((e) => e.opened === false), 'only http(s)/mailto go to the system browser')
        assert.ok(fake('cancelled main ftp://example.com/file') && fake('cancelled frame ftp://frame.example/') && fake('handled new window ftp://popup.example/'))

        command(s, { type: 'eval', id: 2, script: '1 + 2' })
        assert.deepEqual(await reply(s, 2), { type: 'reply', id: 2, ok: true, result: 3 })
        assert.ok(fake('params {"expression":"1 + 2","returnByValue":true}'))
        command(s, { type: 'eval', id: 3, script: 'throw new Error("boom")' })
        assert.deepEqual((await reply(s, 3)).error, { code: 'eval_failed', message: 'Error: boom' })
        command(s, { type: 'post_message', id: 4, data: { x: 1 } })
        await reply(s, 4)
        assert.ok(fake('post {"x":1}'))
        command(s, { type: 'navigate', id: 5, url: 'https://other.example/' })
        assert.equal(((await reply(s, 5)).error as { code: string }).code, 'forbidden_origin')
        command(s, { type: 'navigate', id: 6, url: 'http://127.0.0.1:9/page2' })
        await reply(s, 6)
        await s.waitFor((l) => l === '{"type":"page_loaded","url":"http://127.0.0.1:9/page2"}', 10_000, 'stdout')
        command(s, { type: 'open_devtools', id: 7 })
        await reply(s, 7)
        assert.ok(fake('devtools enabled 1 ') && fake('open devtools '))

        closeWindow(await waitWindow('^Wine Hosted$'))
        await s.waitEvent('close_requested', 10_000)
        assert.deepEqual(await exitWithin(s, 15_000), { code: 0, signal: null })
        assert.ok(fake('controller close '), 'controller closed with the window')
      } finally {
        s.child.kill('SIGKILL')
        reg(['delete', edgeUpdateKey, '/f'])
      }
    })

    test('stand-in runtime: a backend crash replaces the page with the crash page', async () => {
      installFakeRuntime()
      const s = launch(['--title', 'Wine Hosted Crash', '--app-id', 'wine-crash-app', '--', backendExe, 'crash-after-ready'])
      try {
        await s.waitFor((l) => l === 'FAKE html crash page', 60_000)
        // --app-id names the app's own WebView2 profile: its web storage is kept per app.
        assert.ok(s.stderr.some((l) => /^FAKE user data folder C:\\users\\[^\\]+\\AppData\\Local\\wine-crash-app\\WebView2$/.test(l)), 'the profile is named by the app id')
        // Whether the crash beat the controller or not, the crash page is the last thing loaded.
        const last = s.stderr.filter((l) => /^FAKE (navigate|html) /.test(l)).pop()
        assert.equal(last, 'FAKE html crash page')
        closeWindow(await waitWindow('^Wine Hosted Crash \\(backend stopped\\)$', 20_000))
        assert.deepEqual(await exitWithin(s, 15_000), { code: 3, signal: null })
      } finally {
        s.child.kill('SIGKILL')
        reg(['delete', edgeUpdateKey, '/f'])
      }
    })
  })
})
