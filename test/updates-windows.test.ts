// Signed self-updates of the Windows file (docs/updates.md), under wine as far as it goes: a
// scaffolded widgets app packaged for win32-x64 as v1.0.0 and v1.0.1 (one changed text) with
// --release, each .exe Authenticode-signed by TAUPY_SIGN_COMMAND (osslsigncode, a test
// certificate made here) before update.json records its SHA-256. v1.0.0 started under wine with
// --no-window downloads the app-only update from a local Fastify host; the next start runs 1.0.1.
// Then a full-file update (a release with another runtime): the running .exe is renamed aside and
// the new one takes its name. updates.restartToApply() starts the file again with --no-window,
// with --browser (the browser opens once per start; a stand-in xdg-open, which wine's
// winebrowser runs) and in the window (the stand-in WebView2). In the window, a 1.0.2 that never
// gets ready is rolled back to the previous version in the same window. The Node inside is the running
// one (20): Node 24 does not start under wine 8 (test/package-windows.test.ts). Node for Windows
// under wine writes to files, not to Linux pipes: its stdout and stderr go to files here.
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash, createPrivateKey } from 'node:crypto'
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { signManifest, type UpdateManifest } from '../scripts/updates/manifest.js'
import { installedApp } from './helpers/apps.js'
import { breakStartAsUpdate, changeOneText, restartWhenDownloaded } from './helpers/update-app.js'
import { tempDir } from './helpers/cli.js'
import { exited } from './helpers/packaged.js'
import { eventually, processesMentioning } from './helpers/processes.js'
import { releaseServer, type ReleaseServer } from './helpers/release-server.js'
import { ensureDisplay, stopDisplay } from './fixtures/launcher/harness.js'
import { buildStandIn, installRuntimes, standard } from './helpers/webview2-standin.js'
import { boot, createPrefix, haveWine, localAppData, removePrefix, settle, wine64, wineserver, type WinePrefix } from './helpers/wine.js'

const temp = tempDir('taupy-updates-windows-')
const key = join(temp, 'keys/my-app.pem')
const cert = join(temp, 'cert.pem')
const certKey = join(temp, 'cert-key.pem')
const exeName = 'my-app-win32-x64.exe'
let app: string
let server: ReleaseServer
let prefix: WinePrefix | undefined

/** Signs $TAUPY_SIGN_FILE in place, as a release pipeline's signtool step would. */
const signCommand = `osslsigncode sign -certs "${cert}" -key "${certKey}" -n "My App" -in "$TAUPY_SIGN_FILE" -out "$TAUPY_SIGN_FILE.signed" && mv "$TAUPY_SIGN_FILE.signed" "$TAUPY_SIGN_FILE"`

function release(version: string): void {
  const file = join(app, 'package.json')
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version }, null, 2))
  rmSync(join(app, 'dist/release'), { recursive: true, force: true })
  execFileSync('npm', ['run', 'package', '--', '--release', '--target', 'win32-x64', '--node', 'running'], {
    cwd: app,
    env: { ...process.env, TAUPY_SIGNING_KEY: key, TAUPY_SIGN_COMMAND: signCommand },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  })
  mkdirSync(join(temp, 'releases', version), { recursive: true })
  for (const name of readdirSync(join(app, 'dist/release'))) linkSync(join(app, 'dist/release', name), join(temp, 'releases', version, name))
}

const manifest = (version: string): UpdateManifest => JSON.parse(readFileSync(join(temp, 'releases', version, 'update.json'), 'utf8')) as UpdateManifest
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

before(() => {
  app = installedApp('widgets')
  execFileSync('npm', ['run', 'keygen', '--', '--out', key], { cwd: app, stdio: 'ignore' })
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=taupy test signing', '-addext', 'extendedKeyUsage=codeSigning', '-keyout', certKey, '-out', cert], { stdio: 'ignore' })
  restartWhenDownloaded(app)
  release('1.0.0')
  changeOneText(app)
  release('1.0.1')
  breakStartAsUpdate(app)
  release('1.0.2')
})
after(async () => {
  await server?.close()
  if (prefix) removePrefix(prefix)
  if (!process.env.TAUPY_TEST_KEEP) for (const dir of [temp, ...(app ? [dirname(app)] : [])]) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
})

describe('signed self-updates of the Windows file', { timeout: 1_500_000 }, () => {
  test('TAUPY_SIGN_COMMAND signs each .exe before update.json records its SHA-256', () => {
    for (const version of ['1.0.0', '1.0.1']) {
      const file = join(temp, 'releases', version, exeName)
      assert.match(execFileSync('osslsigncode', ['verify', '-CAfile', cert, '-in', file], { encoding: 'utf8' }), /Signature verification: ok/)
      const target = manifest(version).artifacts['win32-x64']!
      assert.equal(target.full.url, exeName)
      assert.equal(sha256(file), target.full.sha256, 'update.json records the signed file')
      assert.equal(sha256(join(temp, 'releases', version, target.app.url)), target.app.sha256)
    }
    const target = manifest('1.0.1').artifacts['win32-x64']!
    assert.equal(target.runtime, manifest('1.0.0').artifacts['win32-x64']!.runtime, 'same Node: an app-only update')
    assert.ok(target.app.size < target.full.size * 0.02, `app-only ${target.app.size} B vs full ${target.full.size} B`)
  })

  describe('under wine', { skip: !haveWine && 'wine64 is not installed' }, () => {
    const file = join(temp, 'run', exeName)
    let stagedDir: string

    before(async () => {
      server = await releaseServer(join(temp, 'releases'))
      mkdirSync(dirname(file), { recursive: true })
      copyFileSync(join(temp, 'releases/1.0.0', exeName), file)
      prefix = createPrefix('updates')
      boot(prefix)
      stagedDir = join(localAppData(prefix), 'taupy/updates/my-app')
    })

    interface WineRun {
      child: ChildProcess
      stdout(): string
      stderr(): string
      ready(): { url: string; version: string } | undefined
      /** Every ready line so far: a restarted start keeps the same stdout. */
      readies(): { url: string; version: string }[]
    }

    /** `file --no-window` (or `file` in its window: `args` []) under wine, its output in files (see the top). */
    function startUnderWine(label: string, extra: NodeJS.ProcessEnv, args = ['--no-window']): WineRun {
      const out = join(temp, `${label}.stdout`)
      const err = join(temp, `${label}.stderr`)
      const [o, e] = [openSync(out, 'w'), openSync(err, 'w')]
      const child = spawn(wine64, [file, ...args], { env: { ...prefix!.env, NODE_SKIP_PLATFORM_CHECK: '1', TAUPY_UPDATE_DELAY_MS: '200', ...extra }, stdio: ['ignore', o, e] })
      closeSync(o)
      closeSync(e)
      const stdout = (): string => readFileSync(out, 'utf8')
      const readies = (): { url: string; version: string }[] =>
        stdout()
          .split(/\r?\n/)
          .filter((l) => l.startsWith('{"type":"ready"'))
          .map((l) => JSON.parse(l) as { url: string; version: string })
      return { child, stdout, stderr: () => readFileSync(err, 'utf8'), ready: () => readies()[0], readies }
    }

    /** 1.0.0 again: the released file back in place, nothing staged. */
    function freshFrom100(): void {
      rmSync(stagedDir, { recursive: true, force: true })
      copyFileSync(join(temp, 'releases/1.0.0', exeName), file)
    }

    /** For a start in the window: a display, and the stand-in WebView2 runtime in the prefix. */
    async function standInWindow(): Promise<string> {
      const display = await ensureDisplay()
      const dll = join(temp, 'EmbeddedBrowserWebView.dll')
      buildStandIn(dll)
      installRuntimes(prefix!, dll, join(temp, 'webview2'), [standard])
      return display
    }

    async function stop(run: WineRun): Promise<void> {
      run.child.kill('SIGTERM')
      await exited(run.child)
      // Ends whatever the run started (a restarted copy); fails only when no server is left, which is fine.
      spawnSync(wineserver, ['-k'], { env: prefix!.env, stdio: 'ignore' })
      settle(prefix!)
    }

    test('v1.0.0 downloads the app-only 1.0.1 in the background; the next start runs 1.0.1', { timeout: 900_000 }, async () => {
      const env = { TAUPY_UPDATE_URL: `${server.base}/1.0.1/update.json` }
      const first = startUnderWine('first', env)
      try {
        assert.ok(await eventually(() => Boolean(first.ready()), 240_000), `no ready line under wine:\n${first.stderr()}`)
        assert.equal(first.ready()!.version, '1.0.0')
        assert.ok(await eventually(() => first.stderr().includes('1.0.1 downloaded and verified'), 120_000), first.stderr())
      } finally {
        await stop(first)
      }
      const target = manifest('1.0.1').artifacts['win32-x64']!
      assert.equal(server.sent.get(`/1.0.1/${target.app.url}`), target.app.size, 'the app-only payload, not the full file')
      assert.deepEqual(readdirSync(stagedDir).filter((n) => n.startsWith('1.0.1')).sort(), ['1.0.1.json', '1.0.1.manifest', '1.0.1.taupy'])

      const second = startUnderWine('second', env)
      try {
        assert.ok(await eventually(() => Boolean(second.ready()), 240_000), `no ready line under wine:\n${second.stderr()}`)
        assert.equal(second.ready()!.version, '1.0.1')
        assert.ok(await eventually(() => existsSync(join(stagedDir, '1.0.1.good')), 10_000), 'its ready line confirmed it (the trial in the Windows launcher)')
      } finally {
        await stop(second)
      }
    })

    test('a new runtime: the running .exe is renamed aside and the full 1.0.1 takes its name', { timeout: 900_000 }, async () => {
      freshFrom100()
      // update.json for 1.0.1 as a release with another Node would have it (re-signed with the app's key).
      const m = manifest('1.0.1')
      const target = m.artifacts['win32-x64']!
      const other: UpdateManifest = { ...m, artifacts: { 'win32-x64': { ...target, runtime: `${target.runtime}-other`, full: { ...target.full, url: `../1.0.1/${target.full.url}` } } } }
      server.override.set('/full/update.json', Buffer.from(JSON.stringify(signManifest(other, createPrivateKey(readFileSync(key, 'utf8'))))))
      const first = startUnderWine('full', { TAUPY_UPDATE_URL: `${server.base}/full/update.json` })
      try {
        assert.ok(await eventually(() => Boolean(first.ready()), 240_000), `no ready line under wine:\n${first.stderr()}`)
        assert.ok(await eventually(() => first.stderr().includes('1.0.1 downloaded and verified'), 240_000), first.stderr())
        assert.match(first.stderr(), /replaced by 1\.0\.1/)
      } finally {
        server.override.delete('/full/update.json')
        await stop(first)
      }
      assert.equal(sha256(file), target.full.sha256, 'the .exe is now the released (signed) 1.0.1')
      assert.equal(sha256(`${file}.old-1.0.0`), sha256(join(temp, 'releases/1.0.0', exeName)), 'the running 1.0.0 was renamed aside')
      const next = startUnderWine('after-full', {})
      try {
        assert.ok(await eventually(() => Boolean(next.ready()), 240_000), `no ready line under wine:\n${next.stderr()}`)
        assert.equal(next.ready()!.version, '1.0.1')
        assert.ok(await eventually(() => !existsSync(`${file}.old-1.0.0`), 30_000), 'the file set aside is removed once it no longer runs')
      } finally {
        await stop(next)
      }
    })

    test('updates.restartToApply() with --no-window: the launcher starts its file again as it exits, and it runs 1.0.1', { timeout: 900_000 }, async () => {
      freshFrom100()
      const run = startUnderWine('restart', { TAUPY_UPDATE_URL: `${server.base}/1.0.1/update.json`, TAUPY_TEST_RESTART: '1' })
      try {
        assert.ok(await eventually(() => Boolean(run.ready()), 240_000), `no ready line under wine:\n${run.stderr()}`)
        assert.equal(run.ready()!.version, '1.0.0')
        // The backend's child would end with the launcher's job object: the launcher starts it.
        assert.ok(await eventually(() => run.readies().length > 1, 240_000), `no second ready line; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`)
        assert.equal(run.readies()[1]!.version, '1.0.1')
        assert.match(run.stdout(), /"type":"exit","code":0,"restart":true/, 'asked through the framed pipe')
        await exited(run.child)
        assert.equal(run.child.exitCode, 0, 'the first launcher exited with 0 once it had started the file again')
        assert.ok(await eventually(() => existsSync(join(stagedDir, '1.0.1.good')), 10_000), 'the restarted start confirmed 1.0.1 (its trial)')
      } finally {
        await stop(run)
      }
    })

    test('updates.restartToApply() with --browser: the launcher starts its file again as it exits, and each start opens the browser', { timeout: 900_000 }, async () => {
      freshFrom100()
      // The system browser: wine hands an http URL to winebrowser, which runs xdg-open from PATH.
      const bin = join(temp, 'browser-bin')
      const opened = join(temp, 'opened.txt')
      mkdirSync(bin, { recursive: true })
      writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" >> '${opened}'\n`, { mode: 0o755 })
      const run = startUnderWine('restart-browser', { PATH: `${bin}:${process.env.PATH}`, TAUPY_UPDATE_URL: `${server.base}/1.0.1/update.json`, TAUPY_TEST_RESTART: '1' }, ['--browser'])
      try {
        assert.ok(await eventually(() => run.readies().length > 1, 240_000), `no second ready line; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`)
        assert.deepEqual(run.readies().map((r) => r.version), ['1.0.0', '1.0.1'])
        assert.match(run.stdout(), /"type":"exit","code":0,"restart":true/, 'asked through the framed pipe')
        await exited(run.child)
        assert.equal(run.child.exitCode, 0, 'the first launcher exited with 0 once it had started the file again')
        assert.ok(await eventually(() => existsSync(join(stagedDir, '1.0.1.good')), 10_000), 'the restarted start confirmed 1.0.1 (its trial)')
        // Each start opened its own one-time sign-in URL in the browser.
        assert.ok(await eventually(() => existsSync(opened) && readFileSync(opened, 'utf8').trim().split('\n').length === 2, 30_000), `browser opened: ${existsSync(opened) ? readFileSync(opened, 'utf8') : 'never'}`)
        const urls = readFileSync(opened, 'utf8').trim().split('\n')
        for (const url of urls) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?taupy_once=/)
        assert.notEqual(urls[0], urls[1])
      } finally {
        await stop(run)
      }
    })

    test('updates.restartToApply() in the window (stand-in WebView2): the launcher starts its file again as it exits, and it runs 1.0.1', { timeout: 900_000 }, async () => {
      const display = await standInWindow()
      freshFrom100()
      const run = startUnderWine('restart-window', { DISPLAY: display, TAUPY_UPDATE_URL: `${server.base}/1.0.1/update.json`, TAUPY_TEST_RESTART: '1' }, [])
      try {
        assert.ok(await eventually(() => run.stderr().includes('1.0.1 downloaded and verified'), 240_000), run.stderr())
        await exited(run.child)
        assert.equal(run.child.exitCode, 0, `the first launcher closed after the restart request; stderr:\n${run.stderr()}`)
        // Only a start that ran 1.0.1 up to its ready line (in its window) marks it good.
        assert.ok(await eventually(() => existsSync(join(stagedDir, '1.0.1.good')), 240_000), `the restarted start did not run 1.0.1; stderr:\n${run.stderr()}`)
        assert.ok(!existsSync(join(stagedDir, '1.0.1.bad')))
      } finally {
        await stop(run)
        stopDisplay()
      }
    })

    test('in its window (stand-in WebView2), a new version that never gets ready is rolled back within the trial timeout, in the same window', { timeout: 900_000 }, async () => {
      const display = await standInWindow()
      freshFrom100()
      const download = startUnderWine('download-1.0.2', { TAUPY_UPDATE_URL: `${server.base}/1.0.2/update.json` })
      try {
        assert.ok(await eventually(() => download.stderr().includes('1.0.2 downloaded and verified'), 240_000), download.stderr())
      } finally {
        await stop(download)
      }
      const run = startUnderWine('rollback-window', { DISPLAY: display, TAUPY_TEST_HANG: '1', TAUPY_UPDATE_TRIAL_SECONDS: '4' }, [])
      try {
        assert.ok(await eventually(() => run.stderr().includes('update to 1.0.2 did not start'), 240_000), run.stderr())
        assert.match(run.stderr(), /did not print its ready line in time/)
        assert.ok(existsSync(join(stagedDir, '1.0.2.bad')), readdirSync(stagedDir).join(' '))
        // The same launcher started the previous version (1.0.0, in the file) in its window, and
        // stopped the hanging 1.0.2 (wine shows a process's Windows command line in /proc).
        const backends = (version: string): string[] => processesMentioning('my-app').filter((p) => p.includes('node') && new RegExp(`[\\\\/]my-app[\\\\/]${version.replaceAll('.', '\\.')}-`).test(p))
        assert.ok(await eventually(() => backends('1.0.0').length === 1, 120_000), `no 1.0.0 backend; stderr:\n${run.stderr()}`)
        assert.deepEqual(backends('1.0.2'), [], 'the hanging 1.0.2 was stopped')
        assert.equal(run.child.exitCode, null, 'still running, in its window')
      } finally {
        await stop(run)
        stopDisplay()
      }
    })
  })
})
