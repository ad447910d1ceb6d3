// `npm run dev -- --latency <ms>` on the widgets template, as a developer runs it: every widgets
// message waits that long each way, so a click comes back after two delays (and without the
// flag, at once); a bad value is refused with a message that says what to write.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { waitForReady } from '../scripts/cli/processes.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'

let app: string
let browser: Browser
const running = new Set<ChildProcess>()

before(async () => {
  app = installedApp('widgets')
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  for (const child of running) process.kill(-child.pid!, 'SIGTERM')
})

async function clickRoundTrip(flags: string[]): Promise<number> {
  const child = spawn('npm', ['run', 'dev', '--', '--no-window', ...flags], { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  running.add(child)
  try {
    const url = await waitForReady(child, () => {})
    const page = await browser.newPage()
    await page.goto(url)
    await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
    await page.waitForFunction(() => !document.documentElement.hasAttribute('data-taupy-busy'))
    const started = Date.now()
    await page.click('#counter button[title=Increment]')
    await page.locator('#counter .count', { hasText: /^1$/ }).waitFor()
    const elapsed = Date.now() - started
    await page.close()
    return elapsed
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    process.kill(-child.pid!, 'SIGTERM')
    await exited
    running.delete(child)
  }
}

test('--latency 300 delays both directions; without it a click is quick', { timeout: 120_000 }, async () => {
  const slow = await clickRoundTrip(['--latency', '300'])
  assert.ok(slow >= 600, `a click came back after ${slow} ms with 300 ms each way`)
  const quick = await clickRoundTrip([])
  assert.ok(quick < 300, `a click came back after ${quick} ms without --latency`)
})

test('a bad --latency value is refused with what to write', () => {
  const result = spawnSync(process.execPath, ['taupy/bin/taupy.mjs', 'dev', '--no-window', '--latency', 'fast'], { cwd: app, encoding: 'utf8', timeout: 30_000 })
  assert.equal(result.status, 1)
  assert.match(result.stderr, /--latency takes a whole number of milliseconds, 0 to 10000 \(e\.g\. --latency 200\)/)
})
