// Faults around a built widgets app: the backend killed (SIGKILL) in the middle of a stream of
// events and started again on the same port, the launcher's pipe closing under the backend (what
// a killed launcher looks like from the backend), and a port that is already taken. The slow
// client that stops reading is in test/adversarial-ws.test.ts; the launcher killed with the real
// launcher binary is in test/launcher.test.ts.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { createServer as createTcpServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { startApp, type RunningApp } from '../scripts/testing/app.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { waitForReady } from '../scripts/cli/processes.js'
import { installedApp } from './helpers/apps.js'

let dir: string
before(() => {
  dir = installedApp('widgets')
  execFileSync(process.execPath, ['taupy/bin/taupy.mjs', 'build'], { cwd: dir, stdio: 'pipe', timeout: 240_000 })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the backend killed mid-stream', () => {
  let app: RunningApp
  let browser: Browser
  before(async () => {
    app = await startApp(dir)
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await app?.stop()
  })

  test('SIGKILL while the page is clicking: the page shows it, and recovers when the backend is back on the same port', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(app.url)
    await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
    // Click continuously from inside the page, so events are in flight when the backend dies.
    await page.evaluate(() => {
      const timer = setInterval(() => document.querySelector<HTMLButtonElement>('#counter button[title=Increment]')?.click(), 5)
      ;(window as { stopClicking?: () => void }).stopClicking = () => clearInterval(timer)
    })
    await page.locator('#counter .count', { hasText: /^[1-9]\d+$/ }).waitFor()
    const { port } = new URL(app.origin)
    const secret = new URL(app.url).searchParams.get('taupy')!
    app.child.kill('SIGKILL')
    await page.locator('html[data-taupy-connection="reconnecting"]').waitFor({ state: 'attached' })
    await sleep(300) // clicks while the backend is down are refused by the client, not queued
    app = await startApp(dir, { env: { TAUPY_PORT: port, TAUPY_SECRET: secret } })
    await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached', timeout: 20_000 })
    await page.evaluate(() => (window as { stopClicking?: () => void }).stopClicking?.())
    // The new backend never knew this window: it sends the whole page, and from then on it counts.
    await page.waitForFunction(() => !document.querySelector('[data-taupy-busy]'))
    const shown = Number(await page.locator('#counter .count').textContent())
    await page.click('#counter button[title=Increment]')
    await page.locator('#counter .count', { hasText: new RegExp(`^${shown + 1}$`) }).waitFor()
    assert.deepEqual(errors, [])
    await page.close()
  })
})

describe('the launcher pipe closing under the backend (a killed launcher)', () => {
  test('a built app run with TAUPY_LAUNCHER=1 exits when its stdin closes', async () => {
    const child = spawn(process.execPath, [join(dir, 'dist/server.mjs')], { cwd: dir, env: { ...process.env, TAUPY_LAUNCHER: '1' }, stdio: ['pipe', 'pipe', 'pipe'] })
    try {
      await waitForReady(child, () => {})
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.stdin!.end()
      const result = await Promise.race([exited, sleep(3000).then(() => 'still running')])
      assert.equal(result, 0, 'the backend must end with its launcher, not linger as an orphan')
    } finally {
      child.kill('SIGKILL')
    }
  })

  test('a built app answers close_requested with exit, so the window closes at once', async () => {
    const child = spawn(process.execPath, [join(dir, 'dist/server.mjs')], { cwd: dir, env: { ...process.env, TAUPY_LAUNCHER: '1' }, stdio: ['pipe', 'pipe', 'pipe'] })
    try {
      const lines: string[] = []
      await waitForReady(child, (line) => lines.push(line))
      child.stdin!.write('{"type":"window_ready","protocol":1,"platform":"linux"}\n{"type":"close_requested"}\n')
      for (let i = 0; i < 60 && !lines.some((line) => line.includes('"type":"exit"')); i++) await sleep(50)
      assert.ok(lines.some((line) => JSON.parse(line).type === 'exit'), `no exit command; stdout: ${lines.join(' | ')}`)
    } finally {
      child.kill('SIGKILL')
    }
  })
})

describe('the port is taken', () => {
  test('TAUPY_PORT on a busy port: a clear error and a non-zero exit, quickly', async () => {
    const squatter = createTcpServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => squatter.once('listening', resolve))
    const port = (squatter.address() as { port: number }).port
    try {
      const child = spawn(process.execPath, [join(dir, 'dist/server.mjs')], { cwd: dir, env: { ...process.env, TAUPY_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      let stdout = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      const code = await Promise.race([new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))), sleep(10_000).then(() => 'timeout' as const)])
      child.kill('SIGKILL')
      assert.notEqual(code, 'timeout', 'the backend hung instead of exiting')
      assert.notEqual(code, 0)
      assert.match(stderr, new RegExp(`(EADDRINUSE|in use).*${port}|${port}.*(EADDRINUSE|in use)`), `stderr: ${stderr.slice(0, 500)}`)
      assert.doesNotMatch(stdout, /"type":"ready"/, 'no ready line for a server that is not listening')
    } finally {
      squatter.close()
    }
  })
})
