// The Windows launcher reading its own payload, under wine64: the shipped exe
// (launcher/prebuilt/win32-x64) with a payload written by the real packer (writeOneFile), whose
// "runtime" is a stand-in backend exe (wine cannot pipe to a Linux node; test/fixtures/launcher/
// win-backend.rs speaks the ready line) in zstd chunks (the libzstd decoder cross-built with
// mingw), the app in Brotli chunks. First start extracts into %LOCALAPPDATA%\taupy, a later
// start reuses it, an Authenticode signature (osslsigncode) does not hide the payload, and a
// truncated file is refused with nothing run.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { writeOneFile } from '../scripts/cli/pack-payload.js'
import { zstdInHelper } from '../scripts/cli/pack-codecs.js'
import { fixtureDir, launcherDir } from './fixtures/launcher/harness.js'
import { tempDir } from './helpers/cli.js'
import { readFooter, zstdNode } from './helpers/one-file.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const wine = process.env.WINE64 ?? '/usr/lib/wine/wine64'
const launcher = join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')
const canRun = process.platform === 'linux' && existsSync(rustc) && existsSync(wine) && existsSync(launcher)
  && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const canSign = spawnSync('osslsigncode', ['--version']).status === 0 && spawnSync('openssl', ['version']).status === 0
const prefix = process.env.WINEPREFIX ?? join('/tmp', 'taupy-test-wineprefix')
const wineEnv = { ...process.env, WINEDEBUG: '-all', WINEPREFIX: prefix }
const appId = 'wine-payload-test'
const cache = join(prefix, 'drive_c', 'users', userInfo().username, 'AppData', 'Local', 'taupy')

describe('packaged Windows exe under wine64', { skip: !canRun && 'needs wine64, Debian rustc + mingw and the prebuilt exe', timeout: 600_000 }, () => {
  const dir = tempDir('taupy-win-payload-')
  const backend = join(dir, 'win-backend.exe')
  const exe = join(dir, 'app.exe')
  let runtimeId = ''
  let appFolder = ''

  before(async () => {
    const r = spawnSync(rustc, ['--edition', '2021', '--target', 'x86_64-pc-windows-gnu', '-C', 'linker=x86_64-w64-mingw32-gcc', '-o', backend, join(fixtureDir, 'win-backend.rs')], { encoding: 'utf8', timeout: 280_000 })
    assert.equal(r.status, 0, r.stderr)
    writeFileSync(join(dir, 'hello.txt'), 'hello from the payload\n'.repeat(1000))
    await writeOneFile(exe, {
      launcher,
      groups: {
        runtime: [{ path: 'bin/win-backend.exe', source: backend, mode: 0o755 }],
        app: [{ path: 'data/hello.txt', source: join(dir, 'hello.txt'), mode: 0o644 }],
      },
      compressors: { runtime: zstdInHelper(await zstdNode()) },
      index: (packed) => {
        runtimeId = `wine-backend-${packed.runtime!.hash.slice(0, 12)}`
        appFolder = `1.0.0-${packed.app!.hash.slice(0, 16)}`
        return {
          app: { id: appId, name: 'Wine Payload', version: '1.0.0', build: packed.app!.hash.slice(0, 16) },
          runtime: { id: runtimeId, codec: packed.runtime!.codec, files: packed.runtime!.entries },
          files: packed.app!.entries,
          launch: { args: ['--title', 'Wine Payload'], backend: ['{runtime}/bin/win-backend.exe'], env: {} },
        }
      },
    })
    assert.equal(readFooter(exe)!.version, 3, 'format 3: zstd runtime chunks')
    spawnSync(wine, ['wineboot', '-i'], { env: wineEnv, timeout: 120_000, stdio: 'ignore' })
    rmSync(join(cache, 'apps', appId), { recursive: true, force: true })
    rmSync(join(cache, 'runtimes', runtimeId), { recursive: true, force: true })
  })
  after(() => {
    rmSync(dir, { recursive: true, force: true })
    rmSync(join(cache, 'apps', appId), { recursive: true, force: true })
    rmSync(join(cache, 'runtimes', runtimeId), { recursive: true, force: true })
    rmSync(join(cache, 'runtimes', `${runtimeId}.lock`), { force: true })
  })

  // stdin closed: the stand-in backend exits after its ready line (EOF), with code 0.
  const run = (file: string) => spawnSync(wine, [file, '--no-window', 'extra-arg'], { env: wineEnv, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] })

  test('first start extracts into %LOCALAPPDATA%\\taupy and runs the backend; a later start reuses it', () => {
    const first = run(exe)
    assert.equal(first.status, 0, first.stderr)
    assert.match(first.stdout, /\{"type":"ready","url":"http:\/\/127\.0\.0\.1:9\/"\}/)
    assert.match(first.stderr, /unpacking Wine Payload/)
    const hello = join(cache, 'apps', appId, appFolder, 'data', 'hello.txt')
    assert.equal(readFileSync(hello, 'utf8'), readFileSync(join(dir, 'hello.txt'), 'utf8'))
    assert.ok(readFileSync(join(cache, 'runtimes', runtimeId, 'bin', 'win-backend.exe')).equals(readFileSync(backend)))
    assert.equal(readFileSync(join(cache, 'apps', appId, appFolder, '.taupy-complete'), 'utf8'), `${statSync(hello).size} data/hello.txt\nruntime ${runtimeId}\n`)
    const mtime = statSync(hello).mtimeMs

    const later = run(exe)
    assert.equal(later.status, 0, later.stderr)
    assert.match(later.stdout, /"type":"ready"/)
    assert.doesNotMatch(later.stderr, /unpacking/)
    assert.equal(statSync(hello).mtimeMs, mtime, 'not written again')
  })

  test('an Authenticode-signed copy (osslsigncode) still finds its payload', { skip: !canSign && 'needs osslsigncode and openssl' }, () => {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    const signed = join(dir, 'signed.exe')
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=taupy test', '-keyout', key, '-out', cert], { encoding: 'utf8' })
    assert.equal(made.status, 0, made.stderr)
    const sign = spawnSync('osslsigncode', ['sign', '-certs', cert, '-key', key, '-in', exe, '-out', signed], { encoding: 'utf8' })
    assert.equal(sign.status, 0, sign.stderr)
    assert.ok(statSync(signed).size > statSync(exe).size, 'a certificate table was appended')
    const r = run(signed)
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /"type":"ready"/)
  })

  test('a truncated copy is refused: exit 1, a message, nothing run', () => {
    const truncated = join(dir, 'truncated.exe')
    const bytes = readFileSync(exe)
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000))
    const r = run(truncated)
    assert.equal(r.status, 1)
    assert.match(r.stderr, /damaged executable/)
    assert.doesNotMatch(r.stdout, /ready/)
  })
})
