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
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  alive, closeWindow, ensureDisplay, findWindows, fixtureDir, launcherDir, pixel, sleep, startSession, stopDisplay, waitWindow,
  windowName, windowSize, x, type Session, exitWithin, exitsCleanlyUnderWine,
} from './fixtures/launcher/harness.js'
import {
  buildStandIn, installRuntimes as installStandIn, runtimeFolder as standInFolder, standard, type Install,
} from './helpers/webview2-standin.js'
import { boot, createPrefix, haveWine, localAppData, reg, regImport, regString, removePrefix, settle, wine64, windowsPath } from './helpers/wine.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const canBuild = existsSync(rustc) && existsSync('/usr/bin/cargo') && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const canRun = canBuild && haveWine
const out = mkdtempSync(join(tmpdir(), 'taupy-win-'))
const exe = join(out, 'taupy-launcher.exe')
const backendExe = join(out, 'win-backend.exe')
const fakeDll = join(out, 'EmbeddedBrowserWebView.dll')
// This file's own wine prefix (created in `before`): nothing shared with other test files or runs.
const prefix = createPrefix('launcher')
function build(src: string, output: string, extra: string[] = []) {
  const r = spawnSync(rustc, ['--edition', '2021', '--target', 'x86_64-pc-windows-gnu', '-C', 'linker=x86_64-w64-mingw32-gcc',
    ...extra, '-o', output, src], { encoding: 'utf8', timeout: 280_000, env: { ...process.env, CARGO_PKG_VERSION: '0.0.0-test' } })
  assert.equal(r.status, 0, r.stderr)
}
function launch(args: string[], env: Record<string, string> = {}) {
  return startSession(wine64, [exe, ...args], { ...prefix.vars, ...env })
}
/** The PE optional header's Subsystem field: 2 = Windows GUI, 3 = console. */
function peSubsystem(file: string): number {
  const b = readFileSync(file)
  const pe = b.readUInt32LE(0x3c)
  assert.equal(b.toString('latin1', pe, pe + 4), 'PE\0\0')
  return b.readUInt16LE(pe + 24 + 68)
}
/** Kills a session and waits until nothing of it runs in the prefix any more. */
async function stop(s: Session) {
  s.child.kill('SIGKILL')
  await s.exited
  settle(prefix)
}
/** Closes the window as a user would (the "runtime missing" box first), and expects a clean exit. */
async function closeAndExit(s: Session, id: string) {
  for (const box of findWindows('^WebView2 Runtime missing$')) closeWindow(box)
  await sleep(500)
  closeWindow(id)
  await s.waitEvent('close_requested', 10_000)
  await exitsCleanlyUnderWine(s)
}
/** A test's body with a launcher session, which is stopped afterwards whatever the body did. */
async function withSession(s: Session, body: (s: Session) => Promise<void>) {
  try {
    await body(s)
  } finally {
    await stop(s)
  }
}
function command(s: Session, line: object) {
  s.child.stdin!.write(`${JSON.stringify(line)}\n`)
}
function runtimeFolder(i: Install) {
  return standInFolder(out, i)
}
/** What the stand-in DLL prints when the launcher loads it from install `i`. */
function loadedFrom(i: Install) {
  return `FAKE loaded from ${windowsPath(runtimeFolder(i))}\\EBWebView\\x64\\EmbeddedBrowserWebView.dll`
}
function installRuntimes(installs: Install[]) {
  installStandIn(prefix, fakeDll, out, installs)
}
async function reply(s: Session, id: number, ms = 10_000) {
  await s.waitFor((l) => l.startsWith(`{"type":"reply","id":${id},`), ms, 'stdout')
  return s.events.find((e) => e.type === 'reply' && e.id === id)!
}

describe('windows launcher (rustc 1.63 + mingw, wine64)', { skip: !canBuild && 'Debian rustc/mingw not installed', timeout: 600_000 }, () => {
  test('builds for x86_64-pc-windows-gnu with Debian rustc 1.63', { timeout: 300_000 }, () => {
    assert.match(spawnSync(rustc, ['--version'], { encoding: 'utf8' }).stdout, /^rustc 1\.63\./)
    // The same build as the shipped exe (launcher/build.sh: Debian's cargo + rustc 1.63, vendored crates).
    const b = spawnSync('sh', [join(launcherDir, 'build.sh'), 'windows-exe', exe], { encoding: 'utf8', timeout: 280_000 })
    assert.equal(b.status, 0, b.stdout + b.stderr)
    build(join(fixtureDir, 'win-backend.rs'), backendExe)
    buildStandIn(fakeDll)
    assert.ok(existsSync(join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')), 'prebuilt exe shipped')
  })

  test('a GUI-subsystem exe: no console window ever', () => {
    assert.equal(peSubsystem(exe), 2)
    assert.equal(peSubsystem(join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')), 2, 'prebuilt exe: rebuild with launcher/build.sh')
  })

  describe('under wine64 + Xvfb', { skip: !canRun && 'wine64 not installed' }, () => {
    before(async () => {
      await ensureDisplay()
      boot(prefix)
    })
    after(() => {
      stopDisplay()
      removePrefix(prefix)
    })

    test('--url: window opens, set_title seen on X, missing WebView2 reported and explained', async () => {
      const s = launch(['--title', 'Wine Url', '--url', 'http://127.0.0.1:9/'])
      try {
        await s.waitEvent('window_ready', 60_000)
        const missing = await s.waitEvent('error')
        assert.equal(missing.code, 'webview2_missing')
        await waitWindow('^WebView2 Runtime missing$', 20_000) // the box that explains it
        const id = await waitWindow('^Wine Url$')
        s.child.stdin!.write('{"type":"set_title","id":1,"title":"Wine Renamed"}\n{"type":"eval","id":2,"script":"1"}\n')
        await s.waitFor((l) => l === '{"type":"reply","id":1,"ok":true,"result":null}', 10_000, 'stdout')
        await s.waitFor((l) => l.startsWith('{"type":"reply","id":2,"ok":false,"error":{"code":"webview_unavailable"'), 10_000, 'stdout')
        for (let i = 0; i < 40 && windowName(id) !== 'Wine Renamed'; i++) await sleep(50)
        assert.equal(windowName(id), 'Wine Renamed')
        await closeAndExit(s, id)
      } finally {
        s.child.kill('SIGKILL')
      }
    })

    test('--help, --version and usage errors reach redirected stdout/stderr of the GUI exe', () => {
      const run = (args: string[]) => spawnSync(wine64, [exe, ...args], { env: { ...process.env, ...prefix.vars }, encoding: 'utf8', timeout: 60_000 })
      const version = run(['--version'])
      assert.equal(version.status, 0)
      // Built by cargo (launcher/build.sh windows-exe): the version is Cargo.toml's.
      const crateVersion = /^version = "(.+)"/m.exec(readFileSync(join(launcherDir, 'Cargo.toml'), 'utf8'))![1]!
      assert.equal(version.stdout.trim().replace(/ \(protocol \d+, windows\)$/, ''), `taupy-launcher ${crateVersion}`)
      assert.match(run(['--help']).stdout, /USAGE:/)
      const bad = run(['--width', 'wide', '--', 'x.exe'])
      assert.equal(bad.status, 2)
      assert.match(bad.stderr, /--width expects a number/)
    })

    test('the window and its native splash (GDI) come before the backend is ready', async () => {
      await withSession(launch(['--title', 'Wine Splash', '--splash-background', '#336699', '--', backendExe, 'slow-ready'], { TAUPY_TRACE: '1' }), async (s) => {
        await s.waitFor((l) => l.startsWith('taupy-launcher: trace splash_painted '), 60_000)
        const id = await waitWindow('^Wine Splash$', 20_000)
        assert.ok(!s.stderr.includes('READY NOW'), 'painted before the ready line')
        const { height } = windowSize(id)
        let colour = ''
        for (let i = 0; i < 40 && colour !== '#336699'; i++, await sleep(50)) colour = pixel(id, 20, height - 20)
        assert.equal(colour, '#336699', 'the splash background')
        await s.waitEvent('window_ready', 30_000)
        await closeAndExit(s, id)
      })
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
        // The fixture sends set_title, then an unknown command: the title can show before the
        // error has travelled back to the backend, so wait for it rather than look once.
        await s.waitFor((l) => l.startsWith('EVENT ') && l.includes('"code":"unknown_command"'), 10_000)
        await closeAndExit(s, id)
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
        await exitsCleanlyUnderWine(s)
      } finally {
        s.child.kill('SIGKILL')
      }
    })

    test('classic dialogs when the common item dialog cannot be created (class not registered)', async () => {
      const key = 'HKLM\\Software\\Classes\\CLSID\\{DC1C5A9C-E88A-4DDE-A5A1-60F82A20AEF7}\\InprocServer32'
      reg(prefix, ['delete', key, '/f'])
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
        await stop(s)
        regImport(prefix, `[${key.replace('HKLM', 'HKEY_LOCAL_MACHINE')}]\n@=${regString('C:\\windows\\system32\\comdlg32.dll')}\n"ThreadingModel"="Apartment"`)
      }
    })

    test('DPI-aware: at 192 dpi the protocol speaks logical pixels, the window is sized in physical ones', async () => {
      const fonts = 'HKCC\\Software\\Fonts' // wine's system DPI (LogPixels)
      reg(prefix, ['add', fonts, '/v', 'LogPixels', '/t', 'REG_DWORD', '/d', '192', '/f'])
      const s = launch(['--title', 'Wine Dpi', '--size', '400x300', '--url', 'http://127.0.0.1:9/'])
      try {
        await s.waitEvent('window_ready', 60_000)
        const id = await waitWindow('^Wine Dpi$', 20_000)
        assert.deepEqual(s.events.find((e) => e.type === 'resized'), { type: 'resized', width: 400, height: 300, window: 'main' })
        const before = windowSize(id)
        command(s, { type: 'set_size', id: 1, width: 500, height: 350 })
        await reply(s, 1, 20_000)
        await s.waitFor((l) => l === '{"type":"resized","width":500,"height":350,"window":"main"}', 10_000, 'stdout')
        const after = windowSize(id)
        assert.deepEqual({ width: after.width - before.width, height: after.height - before.height }, { width: 200, height: 100 })
      } finally {
        await stop(s)
        reg(prefix, ['add', fonts, '/v', 'LogPixels', '/t', 'REG_DWORD', '/d', '96', '/f'])
      }
    })

    test('WebView2 hosted through COM (stand-in runtime): loader, handlers, origin rule, messages, eval', async () => {
      installRuntimes([standard])
      const url = 'http://127.0.0.1:9/?taupy=s3cret'
      // Neither a relative LOCALAPPDATA nor a relative TAUPY_DATA_DIR may place the profile.
      await withSession(launch(['--title', 'Wine Hosted', '--url', url], { LOCALAPPDATA: 'relative\\local', TAUPY_DATA_DIR: 'relative-data' }), async (s) => {
        await s.waitEvent('window_ready', 60_000)
        const fake = (l: string) => s.stderr.includes(`FAKE ${l}`)
        assert.deepEqual(await s.waitEvent('page_loaded', 20_000), { type: 'page_loaded', url, window: 'main' })
        // The page (fake) posts, tries to leave the origin five ways, then posts "done".
        await s.waitFor((l) => l === '{"type":"page_message","data":"done","window":"main"}', 20_000, 'stdout')
        assert.ok(s.stderr.some((l) => l.startsWith('FAKE create check=1 type=0 options=null')), 'installed runtime via the internal entry point')
        assert.ok(fake(`loaded from ${windowsPath(runtimeFolder(standard))}\\EBWebView\\x64\\EmbeddedBrowserWebView.dll`), s.stderr.join('\n'))
        // The profile: absolute, in the prefix user's LocalAppData (SHGetKnownFolderPath), created before use.
        assert.ok(s.stderr.some((l) => /^FAKE user data folder C:\\users\\[^\\]+\\AppData\\Local\\Wine Hosted\\WebView2$/.test(l)), s.stderr.join('\n'))
        assert.ok(fake('user data folder exists '))
        assert.ok(existsSync(join(localAppData(prefix), 'Wine Hosted', 'WebView2')), 'the folder is under the prefix\'s LocalAppData')
        assert.ok(s.stderr.some((l) => l.includes('TAUPY_DATA_DIR `relative-data` is not an absolute path')))
        assert.ok(fake('handler QueryInterface own=0x00000000 other=0x80004002'))
        assert.ok(fake('script has window.taupy '), 'bridge injected')
        assert.ok(fake('devtools enabled 0 ') && fake('host objects 0 ') && fake('visible 1 '))
        assert.ok(fake('add_process_failed '), 'ProcessFailed handled')
        assert.ok(s.stderr.some((l) => /^FAKE bounds \d+x\d+$/.test(l)), 'controller bounds follow the client area')
        assert.ok(s.stderr.indexOf('FAKE script has window.taupy ') < s.stderr.indexOf(`FAKE navigate ${url}`), 'script before first load')
        const messages = s.events.filter((e) => e.type === 'page_message').map((e) => e.data)
        assert.deepEqual(messages, [{ hello: 'fake page' }, 'done'], 'the foreign-origin message was dropped')
        // https links the user clicked go to the system browser after the handler has returned, so
        // their events come last.
        await s.waitFor((l) => l.includes('"navigation_blocked","url":"https://popup.example/"'), 10_000, 'stdout')
        const blocked = s.events.filter((e) => e.type === 'navigation_blocked').map((e) => [e.url, e.opened])
        assert.deepEqual(blocked, [
          ['ftp://example.com/file', false], ['ftp://frame.example/', false], ['ftp://popup.example/', false],
          // A script's navigation has no user gesture (IsUserInitiated false): never the browser.
          ['https://script.example/', false], ['https://link.example/', true], ['https://popup.example/', true],
        ])
        assert.ok(fake('cancelled main ftp://example.com/file') && fake('cancelled frame ftp://frame.example/') && fake('handled new window ftp://popup.example/'))
        assert.ok(fake('cancelled main https://link.example/') && fake('handled new window https://popup.example/'))
        // ShellExecuteW ran neither inside WebView2's handler nor inside the command drain
        // (WM_APP_WAKE, 0x8001) but from the window's deferred work (WM_APP_DEFERRED, 0x8002).
        const shell = () => s.stderr.filter((l) => l.startsWith('FAKE ShellExecuteW'))
        assert.deepEqual(shell(), [
          'FAKE ShellExecuteW in_handler=0 message=0x8002 https://link.example/',
          'FAKE ShellExecuteW in_handler=0 message=0x8002 https://popup.example/',
        ])
        command(s, { type: 'open_external', id: 1, url: 'https://example.org/docs' })
        assert.deepEqual(await reply(s, 1), { type: 'reply', id: 1, ok: true, result: null })
        assert.equal(shell()[2], 'FAKE ShellExecuteW in_handler=0 message=0x8002 https://example.org/docs')
        command(s, { type: 'open_external', id: 8, url: 'file:///C:/windows/win.ini' })
        assert.equal(((await reply(s, 8)).error as { code: string }).code, 'open_failed')
        assert.equal(shell().length, 3, 'a file: URL never reaches ShellExecute')

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
        await s.waitFor((l) => l === '{"type":"page_loaded","url":"http://127.0.0.1:9/page2","window":"main"}', 10_000, 'stdout')
        command(s, { type: 'open_devtools', id: 7 })
        await reply(s, 7)
        assert.ok(fake('devtools enabled 1 ') && fake('open devtools '))

        closeWindow(await waitWindow('^Wine Hosted$'))
        await s.waitEvent('close_requested', 10_000)
        await exitsCleanlyUnderWine(s)
        assert.ok(fake('controller close '), 'controller closed with the window')
      })
    })

    test('stand-in runtime: a backend crash replaces the page with the crash page', async () => {
      installRuntimes([standard])
      await withSession(launch(['--title', 'Wine Hosted Crash', '--app-id', 'wine-crash-app', '--', backendExe, 'crash-after-ready']), async (s) => {
        await s.waitFor((l) => l === 'FAKE html crash page', 60_000)
        // --app-id names the app's own WebView2 profile: its web storage is kept per app.
        assert.ok(s.stderr.some((l) => /^FAKE user data folder C:\\users\\[^\\]+\\AppData\\Local\\wine-crash-app\\WebView2$/.test(l)), 'the profile is named by the app id')
        // Whether the crash beat the controller or not, the crash page is the last thing loaded.
        const last = s.stderr.filter((l) => /^FAKE (navigate|html) /.test(l)).pop()
        assert.equal(last, 'FAKE html crash page')
        closeWindow(await waitWindow('^Wine Hosted Crash \\(backend stopped\\)$', 20_000))
        assert.deepEqual(await exitWithin(s, 15_000), { code: 3, signal: null })
      })
    })

    test('ProcessFailed: a dead browser process gets a new webview, a dead renderer a reload, then an error page', async () => {
      installRuntimes([standard])
      const url = 'http://127.0.0.1:9/?taupy=crashy'
      const s = launch(['--title', 'Wine Crashy', '--url', url])
      const count = (prefix: string) => s.stderr.filter((l) => l.startsWith(prefix)).length
      const loads = () => s.events.filter((e) => e.type === 'page_loaded').length
      const crashes = () => s.events.filter((e) => e.type === 'error' && e.code === 'webview_crashed')
      const eventually = async (what: string, check: () => boolean, ms = 15_000) => {
        for (const end = Date.now() + ms; !check(); await sleep(50)) {
          if (Date.now() > end) throw new Error(`${what}; stderr:\n${s.stderr.slice(-30).join('\n')}`)
        }
      }
      try {
        await s.waitEvent('page_loaded', 60_000)
        // An eval the dying browser never answers: it fails with the crash instead of waiting forever.
        command(s, { type: 'eval', id: 99, script: '"fake:hang"' })
        await s.waitFor((l) => l.includes('fake:hang'), 10_000)
        command(s, { type: 'post_message', id: 1, data: 'fake:browser-crash' })
        await eventually('no webview_crashed event', () => crashes().length === 1)
        assert.equal(((await reply(s, 99)).error as { code: string }).code, 'webview_crashed')
        assert.deepEqual(crashes()[0], {
          type: 'error', code: 'webview_crashed', kind: 'browser_exited', recovery: 'recreate',
          message: 'the WebView2 browser process exited; a new webview loads the app again', window: 'main',
        })
        // A second environment and controller, the app's URL loaded again, commands work again.
        await eventually('the webview was not recreated', () => count('FAKE create check=1') === 2 && loads() === 2)
        assert.equal(count('FAKE controller close'), 1, 'the dead controller was closed')
        assert.equal(count(`FAKE navigate ${url}`), 2)
        command(s, { type: 'eval', id: 2, script: '1 + 2' })
        assert.deepEqual(await reply(s, 2), { type: 'reply', id: 2, ok: true, result: 3 })
        assert.equal(s.events.filter((e) => e.type === 'reply' && e.id === 99).length, 1, 'answered once')

        for (let i = 1; i <= 3; i++) {
          command(s, { type: 'post_message', id: 10 + i, data: 'fake:render-crash' })
          await eventually(`renderer crash ${i} was not followed by a reload`, () => count('FAKE reload') === i && loads() === 2 + i)
          assert.deepEqual([crashes()[i]!.kind, crashes()[i]!.recovery], ['render_exited', 'reload'])
        }
        command(s, { type: 'post_message', id: 14, data: 'fake:render-crash' })
        await s.waitFor((l) => l === 'FAKE html webview crash page', 10_000)
        assert.deepEqual([crashes()[4]!.kind, crashes()[4]!.recovery], ['render_exited', 'error_page'])
        assert.equal(count('FAKE reload'), 3, 'no endless reloads')

        closeWindow(await waitWindow('^Wine Crashy$'))
        // Closing ends the launcher, within the time.
        await exitsCleanlyUnderWine(s)
      } finally {
        await stop(s)
      }
    })

    test('runtime lookup: a missing DLL and a too-old version are refused, and the reasons told', async () => {
      installRuntimes([
        { hive: 'HKLM32', channel: 'stable', version: '120.0.2210.91', dll: false },
        { hive: 'HKCU', channel: 'stable', version: '85.0.564.0' },
      ])
      await withSession(launch(['--title', 'Wine Old', '--url', 'http://127.0.0.1:9/']), async (s) => {
        const missing = await s.waitEvent('error', 60_000)
        assert.equal(missing.code, 'webview2_missing')
        assert.match(String(missing.message), /stable .*120\.0\.2210\.91 in HKLM \(32-bit view\): .*EmbeddedBrowserWebView\.dll is missing/)
        assert.match(String(missing.message), /stable .*85\.0\.564\.0 in HKCU: version 85\.0\.564\.0 is older than 86\.0\.616\.0/)
        closeWindow(await waitWindow('^WebView2 Runtime missing$', 20_000))
        assert.ok(!s.stderr.some((l) => l.startsWith('FAKE ')), 'neither DLL was loaded')
      })
    })

    test('runtime lookup: HKLM (32-bit view, native) falls through to HKCU', async () => {
      const user: Install = { hive: 'HKCU', channel: 'stable', version: '121.0.2277.83' }
      installRuntimes([
        { hive: 'HKLM32', channel: 'stable', version: '120.0.2210.91', dll: false },
        { hive: 'HKLM', channel: 'stable', version: '80.0.361.111' },
        user,
      ])
      await withSession(launch(['--title', 'Wine Fallthrough', '--url', 'http://127.0.0.1:9/']), async (s) => {
        await s.waitEvent('page_loaded', 60_000)
        assert.ok(s.stderr.includes(loadedFrom(user)), s.stderr.join('\n'))
      })
    })

    test('runtime lookup: only a Canary channel, machine-wide', async () => {
      const canary: Install = { hive: 'HKLM32', channel: 'canary', version: '133.0.3048.0' }
      installRuntimes([canary])
      await withSession(launch(['--title', 'Wine Canary', '--url', 'http://127.0.0.1:9/']), async (s) => {
        await s.waitEvent('page_loaded', 60_000)
        assert.ok(s.stderr.includes(loadedFrom(canary)), s.stderr.join('\n'))
        assert.ok(!s.events.some((e) => e.type === 'error'), JSON.stringify(s.events))
      })
    })

    // Last: ending the session also ends wine's own services in this prefix.
    test('the end of the session (wineboot --end-session) ends the backend through stdin EOF, then the launcher', async () => {
      await withSession(launch(['--title', 'Wine Session', '--', backendExe]), async (s) => {
        await s.waitEvent('window_ready', 60_000)
        const end = spawnSync(wine64, ['wineboot', '--end-session'], { env: { ...process.env, ...prefix.vars }, timeout: 60_000 })
        assert.equal(end.status, 0)
        await exitsCleanlyUnderWine(s)
        assert.ok(s.stderr.includes('STDIN EOF'), 'the backend saw EOF and exited by itself')
        assert.ok(!s.events.some((e) => e.type === 'close_requested'), 'not a close the app could veto')
      })
    })
  })
})
