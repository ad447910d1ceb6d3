// The Windows file, built on this Linux host: `npm run package -- --target win32-x64` gives a
// PE whose subsystem is GUI (no console window beside the app), which osslsigncode signs after
// packing (a test certificate made here) and verifies, and which still starts under wine with
// --no-window, its page connecting in Chromium. Its own WINEPREFIX (so its own
// %LOCALAPPDATA%\taupy cache), and `wineserver -w` between steps so each starts from quiet.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'
import { tempDir } from './helpers/cli.js'
import { chunksHash, indexHash, readFooter, readIndex } from './helpers/one-file.js'
import { exited } from './helpers/packaged.js'
import { eventually } from './helpers/processes.js'

const wine = '/usr/lib/wine/wine64'
const wineserver = '/usr/lib/wine/wineserver64'
const haveWine = existsSync(wine)

/** The PE optional header's Subsystem field: 2 = Windows GUI, 3 = console. */
function peSubsystem(file: string): number {
  const bytes = readFileSync(file)
  const optional = bytes.readUInt32LE(0x3c) + 24
  return bytes.readUInt16LE(optional + 68)
}

describe('npm run package -- --target win32-x64', { timeout: 900_000 }, () => {
  let app: string
  let browser: Browser
  const temp = tempDir('taupy-package-windows-')
  const winEnv = { ...process.env, WINEPREFIX: join(temp, 'wine'), WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' }
  const exe = (): string => join(app, 'dist/package/my-app-win32-x64.exe')
  const signed = join(temp, 'my-app-signed.exe')
  const settle = (): void => {
    if (haveWine) execFileSync(existsSync(wineserver) ? wineserver : 'wineserver', ['-w'], { env: winEnv, stdio: 'ignore', timeout: 120_000 })
  }

  before(async () => {
    app = installedApp('widgets')
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    if (haveWine) {
      try {
        execFileSync(existsSync(wineserver) ? wineserver : 'wineserver', ['-k'], { env: winEnv, stdio: 'ignore' })
      } catch {} // none running
    }
    rmSync(temp, { recursive: true, force: true })
  })

  test('builds a GUI-subsystem .exe with the payload after the launcher', { timeout: 300_000 }, () => {
    // The running Node (20): Node 24's V8 reserves more address space than wine 8 grants
    // ("Fatal process out of memory: SegmentedTable"), so the wine run below needs Node 20–22.
    execFileSync('npm', ['run', 'package', '--', '--target', 'win32-x64', '--node', 'running'], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
    assert.equal(readFileSync(exe()).subarray(0, 2).toString('latin1'), 'MZ')
    assert.equal(peSubsystem(exe()), 2, 'GUI subsystem: no console window when started from Explorer')
    const footer = readFooter(exe())!
    const index = readIndex(exe(), footer)
    assert.deepEqual(index.launch.backend, ['{runtime}/node.exe', '{app}/dist/server.mjs'])
    assert.match(index.runtime.id, /^node-20\.\d+\.\d+-win32-x64-[0-9a-f]{12}$/)
    // Node for Windows is zstd too (compressed by this machine's LTS Node, the running one has
    // no zstd): the launcher's C decoder, cross-built with mingw, decodes it under wine below.
    assert.equal(index.runtime.codec, 'zstd')
    assert.equal(footer.version, 3)
  })

  test('osslsigncode signs the packed file and verifies it; the payload is still found and intact', { timeout: 120_000 }, () => {
    const key = join(temp, 'key.pem')
    const cert = join(temp, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=taupy test signing', '-addext', 'extendedKeyUsage=codeSigning', '-keyout', key, '-out', cert], { stdio: 'ignore' })
    execFileSync('osslsigncode', ['sign', '-certs', cert, '-key', key, '-n', 'My App', '-in', exe(), '-out', signed], { stdio: 'ignore' })
    const verify = execFileSync('osslsigncode', ['verify', '-CAfile', cert, '-in', signed], { encoding: 'utf8' })
    assert.match(verify, /Signature verification: ok/)
    const footer = readFooter(signed)!
    assert.deepEqual(footer, readFooter(exe()), 'the same footer, found before the certificate table')
    assert.equal(indexHash(signed, footer), footer.sha256)
    const index = readIndex(signed, footer)
    assert.equal(chunksHash(signed, footer, index.runtime.files), index.chunksSha256.runtime)
  })

  test('the signed .exe starts under wine with --no-window and its page connects', { timeout: 300_000, skip: !haveWine && 'wine64 is not installed' }, async () => {
    settle()
    // Node for Windows under wine writes to files but fails on Linux pipes (EBADF).
    const out = join(temp, 'stdout.txt')
    const err = join(temp, 'stderr.txt')
    const [stdout, stderr] = [openSync(out, 'w'), openSync(err, 'w')]
    const child = spawn(wine, [signed, '--no-window'], { env: winEnv, stdio: ['ignore', stdout, stderr] })
    closeSync(stdout)
    closeSync(stderr)
    try {
      const readyLine = (): string | undefined => readFileSync(out, 'utf8').split('\n').find((line) => line.startsWith('{"type":"ready"'))
      assert.ok(await eventually(() => Boolean(readyLine()), 240_000), `no ready line under wine:\n${readFileSync(err, 'utf8')}`)
      const page = await browser.newPage()
      await page.goto((JSON.parse(readyLine()!) as { url: string }).url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      await page.close()
      const cache = join(temp, 'wine/drive_c/users', process.env.USER ?? 'root', 'AppData/Local/taupy')
      assert.ok(existsSync(join(cache, 'apps/my-app')), `extracted into %LOCALAPPDATA%\\taupy (${cache})`)
    } finally {
      child.kill('SIGTERM')
      await exited(child)
      execFileSync(existsSync(wineserver) ? wineserver : 'wineserver', ['-k'], { env: winEnv, stdio: 'ignore' })
      settle()
    }
  })
})
