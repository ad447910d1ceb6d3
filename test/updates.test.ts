// Signed self-updates (docs/updates.md), end to end on Linux: a scaffolded widgets app packaged
// as v1.0.0, v1.0.1 (one changed text) and v1.0.2 (crashes at start) with --release, served by
// a local Fastify host. v1.0.0 started with --no-window and TAUPY_UPDATE_URL downloads the
// app-only update in the background; the next start runs 1.0.1 (ready line, page in Chromium).
// Refused: a tampered payload, a manifest signed by another key, a replayed older manifest. A
// download cut half-way resumes; a version that does not start is rolled back. Each test has
// its own HOME/XDG_CACHE_HOME.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../scripts/testing/browser.js'
import { signManifest, type UpdateManifest } from '../scripts/updates/manifest.js'
import { brotliFormatVersion, formatVersion } from '../scripts/cli/pack-payload.js'
import { ensureDisplay, stopDisplay, waitWindow } from './fixtures/launcher/harness.js'
import { installedApp } from './helpers/apps.js'
import { breakStartAsUpdate, changeOneText, restartWhenDownloaded } from './helpers/update-app.js'
import { tempDir } from './helpers/cli.js'
import { chunksHash, indexHash, readFooter, readIndex } from './helpers/one-file.js'
import { exited, freshHome } from './helpers/packaged.js'
import { eventually, processesMentioning } from './helpers/processes.js'
import { releaseServer, type ReleaseServer } from './helpers/release-server.js'

const temp = tempDir('taupy-updates-')
const key = join(temp, 'keys/my-app.pem')
const homes: string[] = []
let app: string
let server: ReleaseServer
let browser: Browser

function home(): NodeJS.ProcessEnv {
  const made = freshHome('taupy-updates-home-')
  homes.push(made.home)
  return { ...made.env, XDG_CONFIG_HOME: join(made.home, '.config'), TAUPY_UPDATE_DELAY_MS: '200', TAUPY_UPDATE_INTERVAL_MS: '1500' }
}

function setVersion(version: string): void {
  const file = join(app, 'package.json')
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string }
  pkg.version = version
  writeFileSync(file, JSON.stringify(pkg, null, 2))
}

/** Packages the app with --release and keeps dist/release as releases/<version>/ plus the file. */
function release(version: string): void {
  setVersion(version)
  rmSync(join(app, 'dist/release'), { recursive: true, force: true })
  execFileSync('npm', ['run', 'package', '--', '--release'], { cwd: app, env: { ...process.env, TAUPY_SIGNING_KEY: key }, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
  // Hard links: the machine's disk is shared, and each packaging writes a new file anyway.
  mkdirSync(join(temp, 'releases', version), { recursive: true })
  for (const name of readdirSync(join(app, 'dist/release'))) linkSync(join(app, 'dist/release', name), join(temp, 'releases', version, name))
  if (version === '1.0.0') linkSync(join(app, 'dist/package/my-app-linux-x64'), join(temp, `my-app-${version}`))
}

const manifestUrl = (version: string): string => `${server.base}/${version}/update.json`
const exe = (version: string): string => join(temp, `my-app-${version}`)
const manifest = (version: string): UpdateManifest => JSON.parse(readFileSync(join(temp, 'releases', version, 'update.json'), 'utf8')) as UpdateManifest

interface Run {
  ready: { url: string; version: string }
  stderr(): string
  stop(): Promise<void>
}

/** `file --no-window` (or `args`); resolves at its ready line with the line's fields (`stdout()`: all of it so far). */
function start(file: string, env: NodeJS.ProcessEnv, args = ['--no-window']): Promise<Run & { stdout(): string }> {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let stdout = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  let resolved = false
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n').find((l) => l.startsWith('{"type":"ready"'))
      if (line && !resolved) {
        resolved = true
        clearTimeout(timer)
        resolve({ ready: JSON.parse(line) as Run['ready'], stderr: () => stderr, stdout: () => stdout, stop: async () => (child.kill('SIGTERM'), await exited(child)) })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (!resolved) reject(new Error(`exited with ${code} before its ready line; stderr:\n${stderr}`))
    })
  })
}

const staged = (env: NodeJS.ProcessEnv): string[] => {
  const dir = join(env.XDG_CACHE_HOME!, 'taupy/updates/my-app')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

before(async () => {
  await ensureDisplay()
  server = await releaseServer(join(temp, 'releases'))
  browser = await launchBrowser()
  app = installedApp('widgets')
  mkdirSync(join(temp, 'releases'), { recursive: true })
  execFileSync('npm', ['run', 'keygen', '--', '--out', key], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'] })
  restartWhenDownloaded(app)
  release('1.0.0')
  changeOneText(app)
  release('1.0.1')
  breakStartAsUpdate(app) // 1.0.2 crashes at start, or never gets ready
  release('1.0.2')
})
after(async () => {
  stopDisplay()
  await browser?.close()
  await server?.close()
  if (!process.env.TAUPY_TEST_KEEP) for (const dir of [temp, ...(app ? [dirname(app)] : []), ...homes]) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
})

describe('signed self-updates', { timeout: 900_000 }, () => {
  let updated: NodeJS.ProcessEnv

  test('keygen: public key in package.json, private key outside the project, owner-only', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { taupy: { updates: { publicKey: string } } }
    assert.match(pkg.taupy.updates.publicKey, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.match(readFileSync(join(app, '.gitignore'), 'utf8'), /\*\.pem/)
  })

  test('--release: the file, the app-only payload and a signed update.json', () => {
    const m = manifest('1.0.1')
    assert.equal(m.version, '1.0.1')
    assert.match(m.signature!, /^[A-Za-z0-9+/]+=*$/)
    const target = m.artifacts['linux-x64']!
    assert.equal(statSync(join(temp, 'releases/1.0.1', target.app.url)).size, target.app.size)
    assert.equal(statSync(join(temp, 'releases/1.0.1', target.full.url)).size, target.full.size)
    assert.equal(target.runtime, manifest('1.0.0').artifacts['linux-x64']!.runtime, 'same Node: an app-only update')
    assert.ok(target.app.size < target.full.size * 0.02, `app-only ${target.app.size} B vs full ${target.full.size} B`)
    // The one-file format, checked the same way: the footer hashes the index, the index hashes
    // the app's chunks (copied from the full file, so the same hash as there). Format 2 (all
    // Brotli, no runtime codec) while the full file is format 3 (zstd Node): the launchers
    // already installed, which may read only format 2, open it.
    const appOnly = join(temp, 'releases/1.0.1', target.app.url)
    const footer = readFooter(appOnly)!
    assert.equal(footer.version, brotliFormatVersion)
    assert.equal(readFooter(join(temp, 'releases/1.0.1', target.full.url))!.version, formatVersion)
    assert.equal(indexHash(appOnly, footer), footer.sha256)
    const index = readIndex(appOnly, footer)
    assert.equal(index.format, brotliFormatVersion)
    assert.equal(index.runtime.codec, undefined)
    assert.deepEqual(index.runtime.files, [])
    assert.equal(chunksHash(appOnly, footer, index.files), index.chunksSha256.app)
    const full = join(temp, 'releases/1.0.1', target.full.url)
    assert.equal(index.chunksSha256.app, readIndex(full, readFooter(full)!).chunksSha256.app)
  })

  test('v1.0.0 downloads 1.0.1 in the background; the next start runs 1.0.1 with the new text', { timeout: 180_000 }, async () => {
    updated = home()
    const env = { ...updated, TAUPY_UPDATE_URL: manifestUrl('1.0.1') }
    const first = await start(exe('1.0.0'), env)
    assert.equal(first.ready.version, '1.0.0')
    assert.ok(await eventually(() => first.stderr().includes('1.0.1 downloaded and verified'), 60_000), first.stderr())
    await first.stop()
    const appBytes = server.sent.get(`/1.0.1/${manifest('1.0.1').artifacts['linux-x64']!.app.url}`)
    assert.equal(appBytes, manifest('1.0.1').artifacts['linux-x64']!.app.size, 'the app-only payload, not the full file')
    assert.deepEqual(staged(updated).filter((n) => n.startsWith('1.0.1')), ['1.0.1.json', '1.0.1.manifest', '1.0.1.taupy'])

    const second = await start(exe('1.0.0'), env)
    try {
      assert.equal(second.ready.version, '1.0.1')
      const page = await browser.newPage()
      await page.goto(second.ready.url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      const body = await page.locator('body').innerText()
      assert.ok(body.includes('Window title, updated'), body.slice(0, 2000))
      await page.close()
    } finally {
      await second.stop()
    }
    assert.ok(staged(updated).includes('1.0.1.good'), 'its ready line confirmed it')
  })

  test('--browser: the staged version is on trial too; its ready line marks it good and opens the browser, and the next start keeps it', { timeout: 180_000 }, async () => {
    const env = { ...home(), TAUPY_UPDATE_URL: manifestUrl('1.0.1') }
    const first = await start(exe('1.0.0'), env)
    assert.ok(await eventually(() => first.stderr().includes('1.0.1 downloaded and verified'), 60_000), first.stderr())
    await first.stop()
    // The system browser: a stand-in xdg-open that writes down what it was asked to open.
    const bin = join(temp, 'browser-bin')
    const opened = join(temp, 'opened.txt')
    mkdirSync(bin, { recursive: true })
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" >> '${opened}'\n`, { mode: 0o755 })
    const urls = (): string[] => (existsSync(opened) ? readFileSync(opened, 'utf8').trim().split('\n') : [])
    for (const round of [1, 2]) {
      const run = await start(exe('1.0.0'), { ...env, PATH: `${bin}:${process.env.PATH}` }, ['--browser'])
      try {
        assert.equal(run.ready.version, '1.0.1', `start ${round} runs 1.0.1; stderr:\n${run.stderr()}`)
        assert.ok(await eventually(() => urls().length === round, 10_000), `the browser opened once per start: ${urls().join(', ')}`)
        assert.equal(urls()[round - 1], (run.ready as { openUrl?: string }).openUrl, 'its one-time sign-in URL')
        assert.ok(staged(env).includes('1.0.1.good'), 'its ready line confirmed it')
        assert.doesNotMatch(run.stderr(), /did not start|rolled back/)
      } finally {
        await run.stop()
      }
    }
  })

  test('a replayed older manifest is refused: 1.0.1 stays', { timeout: 120_000 }, async () => {
    const running = await start(exe('1.0.0'), { ...updated, TAUPY_UPDATE_URL: manifestUrl('1.0.0') })
    try {
      assert.equal(running.ready.version, '1.0.1')
      assert.ok(await eventually(() => /ignoring the manifest for 1\.0\.0, older than 1\.0\.1/.test(running.stderr()), 30_000), running.stderr())
    } finally {
      await running.stop()
    }
  })

  test('a version that does not start is rolled back to the previous one, and not fetched again', { timeout: 180_000 }, async () => {
    const env = { ...updated, TAUPY_UPDATE_URL: manifestUrl('1.0.2'), TAUPY_UPDATE_TRIAL_SECONDS: '20' }
    const first = await start(exe('1.0.0'), env)
    assert.equal(first.ready.version, '1.0.1')
    assert.ok(await eventually(() => first.stderr().includes('1.0.2 downloaded and verified'), 60_000), first.stderr())
    await first.stop()
    const second = await start(exe('1.0.0'), env)
    try {
      assert.equal(second.ready.version, '1.0.1', 'rolled back')
      assert.match(second.stderr(), /update to 1\.0\.2 did not start/)
      assert.ok(staged(updated).includes('1.0.2.bad'))
      assert.ok(await eventually(() => second.stderr().includes('1.0.2 was rolled back before'), 30_000), second.stderr())
    } finally {
      await second.stop()
    }
  })

  test('a tampered payload is refused and nothing is staged', { timeout: 120_000 }, async () => {
    const env = home()
    const target = manifest('1.0.1').artifacts['linux-x64']!
    const path = `/1.0.1/${target.app.url}`
    const bytes = Buffer.from(readFileSync(join(temp, 'releases/1.0.1', target.app.url)))
    bytes[bytes.length >> 1]! ^= 0xff
    server.override.set(path, bytes)
    const running = await start(exe('1.0.0'), { ...env, TAUPY_UPDATE_URL: manifestUrl('1.0.1') })
    try {
      assert.ok(await eventually(() => running.stderr().includes('does not match the SHA-256'), 30_000), running.stderr())
      assert.ok(!staged(env).some((n) => n.startsWith('1.0.1')), staged(env).join(' '))
    } finally {
      server.override.delete(path)
      await running.stop()
    }
    assert.equal((await start(exe('1.0.0'), env).then(async (r) => (await r.stop(), r))).ready.version, '1.0.0')
  })

  test('a manifest signed by another key is refused before any download', { timeout: 120_000 }, async () => {
    const env = home()
    const other = generateKeyPairSync('ed25519').privateKey
    server.override.set('/1.0.1/update.json', Buffer.from(JSON.stringify(signManifest(manifest('1.0.1'), other))))
    const appPath = `/1.0.1/${manifest('1.0.1').artifacts['linux-x64']!.app.url}`
    const before = server.sent.get(appPath) ?? 0
    const running = await start(exe('1.0.0'), { ...env, TAUPY_UPDATE_URL: manifestUrl('1.0.1') })
    try {
      assert.ok(await eventually(() => running.stderr().includes('signature does not match'), 30_000), running.stderr())
      assert.equal(server.sent.get(appPath) ?? 0, before, 'nothing downloaded')
    } finally {
      server.override.delete('/1.0.1/update.json')
      await running.stop()
    }
  })

  test('the launcher verifies the staged manifest again: one signed by another key is refused', { timeout: 120_000 }, async () => {
    const env = home()
    const running = await start(exe('1.0.0'), { ...env, TAUPY_UPDATE_URL: manifestUrl('1.0.1') })
    assert.ok(await eventually(() => running.stderr().includes('1.0.1 downloaded and verified'), 60_000), running.stderr())
    await running.stop()
    const other = generateKeyPairSync('ed25519').privateKey
    writeFileSync(join(env.XDG_CACHE_HOME!, 'taupy/updates/my-app/1.0.1.manifest'), JSON.stringify(signManifest(manifest('1.0.1'), other)))
    const next = await start(exe('1.0.0'), env)
    await next.stop()
    assert.equal(next.ready.version, '1.0.0')
    assert.match(next.stderr(), /refusing the staged update 1\.0\.1: the manifest's signature does not match/)
  })

  test('a download cut half-way stages nothing, and the next check resumes it', { timeout: 120_000 }, async () => {
    const env = home()
    const path = `/1.0.1/${manifest('1.0.1').artifacts['linux-x64']!.app.url}`
    server.cutOnce.add(path)
    const running = await start(exe('1.0.0'), { ...env, TAUPY_UPDATE_URL: manifestUrl('1.0.1') })
    try {
      assert.ok(await eventually(() => running.stderr().includes('1.0.1 downloaded and verified'), 60_000), running.stderr())
      assert.match(running.stderr(), /taupy updates: .*(stopped at|terminated|other side closed|fetch failed)/i, 'the cut was noticed')
      assert.ok(server.ranges.includes(path), 'resumed with a Range request')
    } finally {
      await running.stop()
    }
    assert.equal((await start(exe('1.0.0'), env).then(async (r) => (await r.stop(), r))).ready.version, '1.0.1')
  })
})

/** The launcher processes running this file (by their exact path), for cleanup of detached starts. */
function launchersOf(file: string): number[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === file
      } catch {
        return false
      }
    })
    .map(Number)
}

describe('rollback in the window, full-file updates, restartToApply', { timeout: 900_000 }, () => {
  test('in its window, a new version that never gets ready is rolled back within the trial timeout, in the same window', { timeout: 180_000 }, async () => {
    const env = home()
    const first = await start(exe('1.0.0'), { ...env, TAUPY_UPDATE_URL: manifestUrl('1.0.2') })
    assert.ok(await eventually(() => first.stderr().includes('1.0.2 downloaded and verified'), 60_000), first.stderr())
    await first.stop()
    const started = Date.now()
    const child = spawn(exe('1.0.0'), [], { env: { ...env, DISPLAY: process.env.DISPLAY, DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, TAUPY_TEST_HANG: '1', TAUPY_UPDATE_TRIAL_SECONDS: '4' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    try {
      await waitWindow('^My App$', 60_000)
      assert.ok(await eventually(() => stderr.includes('update to 1.0.2 did not start'), 25_000), stderr)
      const rolledBackAfter = Date.now() - started
      assert.ok(rolledBackAfter < 25_000, `rolled back after ${rolledBackAfter} ms: the trial's 4 s, not the 30 s ready timeout`)
      assert.match(stderr, /did not print its ready line in time/)
      assert.ok(staged(env).includes('1.0.2.bad'), staged(env).join(' '))
      const apps = join(env.XDG_CACHE_HOME!, 'taupy/apps/my-app')
      // The same launcher started the previous version (1.0.0, in the file) in its window.
      assert.ok(await eventually(() => processesMentioning(`${apps}/1.0.0-`).length === 1, 30_000), processesMentioning(apps).join('\n'))
      assert.deepEqual(processesMentioning(`${apps}/1.0.2-`), [], 'the hanging 1.0.2 was stopped')
      assert.equal(child.exitCode, null, 'still running, in its window')
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })

  test('updates.restartToApply() in the window: the launcher starts the file again once it has exited, and it runs the new version', { timeout: 180_000 }, async () => {
    const env = home()
    const file = join(temp, 'my-app-restart-window')
    copyFileSync(exe('1.0.0'), file)
    const apps = join(env.XDG_CACHE_HOME!, 'taupy/apps/my-app')
    const child = spawn(file, [], { env: { ...env, DISPLAY: process.env.DISPLAY, DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, TAUPY_UPDATE_URL: manifestUrl('1.0.1'), TAUPY_TEST_RESTART: '1' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    try {
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
      assert.equal(code, 0, `the first launcher closed after the restart request; stderr:\n${stderr}`)
      assert.match(stderr, /1\.0\.1 downloaded and verified/)
      // A new launcher of the same file, in its window, running the staged 1.0.1.
      assert.ok(await eventually(() => staged(env).includes('1.0.1.good'), 60_000), `${staged(env).join(' ')}\n${stderr}`)
      assert.equal(launchersOf(file).length, 1, 'one launcher: the new start')
      assert.equal(processesMentioning(`${apps}/1.0.1-`).length, 1, processesMentioning(apps).join('\n'))
      await waitWindow('^My App$', 30_000)
    } finally {
      child.kill('SIGTERM')
      for (const pid of launchersOf(file)) process.kill(pid, 'SIGTERM')
      assert.ok(await eventually(() => launchersOf(file).length === 0, 10_000), 'the restarted app ended')
    }
  })

  test('a new runtime: the full file is downloaded, verified and renamed over the executable; the next start runs it', { timeout: 180_000 }, async () => {
    const env = home()
    const file = join(temp, 'my-app-full-update')
    copyFileSync(exe('1.0.0'), file)
    const mode = statSync(file).mode & 0o777
    // update.json for 1.0.1 as a release with another Node would have it (re-signed with the app's key).
    const signingKey = createPrivateKey(readFileSync(key, 'utf8'))
    const m = manifest('1.0.1')
    const target = m.artifacts['linux-x64']!
    const other: UpdateManifest = { ...m, artifacts: { 'linux-x64': { ...target, runtime: `${target.runtime}-other`, full: { ...target.full, url: `../1.0.1/${target.full.url}` } } } }
    server.override.set('/full/update.json', Buffer.from(JSON.stringify(signManifest(other, signingKey))))
    try {
      const first = await start(file, { ...env, TAUPY_UPDATE_URL: `${server.base}/full/update.json` })
      try {
        assert.ok(await eventually(() => first.stderr().includes('1.0.1 downloaded and verified'), 90_000), first.stderr())
        assert.match(first.stderr(), /replaced by 1\.0\.1/)
      } finally {
        await first.stop()
      }
    } finally {
      server.override.delete('/full/update.json')
    }
    assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), target.full.sha256, 'the file is now the released 1.0.1')
    assert.equal(statSync(file).mode & 0o777, mode, 'still executable, with its old mode')
    assert.deepEqual(readdirSync(temp).filter((n) => n.includes('.partial')), [], 'no partial download left beside it')
    assert.ok(!staged(env).some((n) => n.startsWith('1.0.1')), 'nothing staged: the file itself is the new version')
    const next = await start(file, env)
    await next.stop()
    assert.equal(next.ready.version, '1.0.1')
  })

  test('updates.restartToApply() (the "Restart to update" button) starts the file again in its mode, running the new version', { timeout: 180_000 }, async () => {
    const env = home()
    const file = join(temp, 'my-app-restart')
    copyFileSync(exe('1.0.0'), file)
    const first = await start(file, { ...env, TAUPY_UPDATE_URL: manifestUrl('1.0.1') })
    try {
      assert.equal(first.ready.version, '1.0.0')
      const page = await browser.newPage()
      await page.goto(first.ready.url)
      await page.locator('button.update-restart').click({ timeout: 60_000 })
      await page.close()
      // The new start keeps this stdout (--no-window): its ready line follows the first one.
      const second = (): string | undefined => first.stdout().split('\n').filter((l) => l.startsWith('{"type":"ready"'))[1]
      assert.ok(await eventually(() => Boolean(second()), 60_000), `no second ready line; stdout:\n${first.stdout()}\nstderr:\n${first.stderr()}`)
      assert.equal((JSON.parse(second()!) as Run['ready']).version, '1.0.1')
      assert.ok(await eventually(() => staged(env).includes('1.0.1.good'), 10_000), staged(env).join(' '))
    } finally {
      for (const pid of launchersOf(file)) process.kill(pid, 'SIGTERM')
      await first.stop()
      assert.ok(await eventually(() => launchersOf(file).length === 0, 10_000), 'the restarted app ended')
    }
  })
})
