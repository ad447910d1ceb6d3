// Load on the built widgets demo app: 50 windows at once, each clicking its counter 2,000
// times — 47 raw WebSocket sessions that apply every patch to a model of their page, and 3
// real Chromium pages that apply them with the widgets client (morphdom). Every event must be
// acknowledged exactly once and in order, after its patch, and every page must end showing the
// count its clicks add up to. Correctness only: the latency figures come from bench/load.ts.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { startApp, type RunningApp } from '../scripts/testing/app.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'
import { clickPlan, percentile, widgetsSession } from './fixtures/adversarial/load.js'
import { hasProc, rssKiB } from './fixtures/adversarial/rss.js'

const sessions = Number(process.env.TAUPY_LOAD_SESSIONS ?? 50)
const events = Number(process.env.TAUPY_LOAD_EVENTS ?? 2000)
const browserPages = 3

let app: RunningApp
let browser: Browser

before(async () => {
  const dir = installedApp('widgets')
  execFileSync(process.execPath, ['taupy/bin/taupy.mjs', 'build'], { cwd: dir, stdio: 'pipe', timeout: 240_000 })
  app = await startApp(dir)
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  await app?.stop()
})

/** Clicks the counter in a real page, in paced batches, and returns what the page shows. */
async function clickInBrowser(page: Page, plan: boolean[]): Promise<{ shown: string | null; expected: string; stuckAt: number }> {
  return page.evaluate(async (plan) => {
    let expected = 0
    let batchStarted = performance.now()
    // No named or assigned functions in here: tsx would wrap them in a helper the page lacks.
    for (let i = 0; i < plan.length; i++) {
      document.querySelector<HTMLButtonElement>(`#counter button[title=${plan[i] ? 'Increment' : 'Decrement'}]`)!.click()
      expected += plan[i] ? 1 : -1
      if (i % 40 !== 39 && i !== plan.length - 1) continue
      // Each batch waits for its last patch, and keeps under the server's 500 events/s.
      const waitedFrom = performance.now()
      while ((document.querySelector('#counter .count')?.textContent ?? null) !== String(expected)) {
        if (performance.now() - waitedFrom > 30_000) return { shown: (document.querySelector('#counter .count')?.textContent ?? null), expected: String(expected), stuckAt: i }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      const spent = performance.now() - batchStarted
      if (spent < 100) await new Promise((resolve) => setTimeout(resolve, 100 - spent))
      batchStarted = performance.now()
    }
    // Nothing still in flight, and nothing arrives later to change the result.
    while (document.querySelector('[data-taupy-busy]')) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, 300))
    return { shown: (document.querySelector('#counter .count')?.textContent ?? null), expected: String(expected), stuckAt: -1 }
  }, plan)
}

test(`${sessions} sessions × ${events} events: every event acknowledged once, no patch lost or misapplied`, { timeout: 600_000 }, async (t) => {
  const rssBefore = hasProc ? rssKiB(app.child.pid!) : 0
  const pages = await Promise.all(
    Array.from({ length: browserPages }, async () => {
      const page = await browser.newPage()
      const problems: string[] = []
      page.on('pageerror', (error) => problems.push(error.message))
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
      })
      await page.goto(app.url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
      return { page, problems }
    }),
  )
  const started = performance.now()
  const [raw, real] = await Promise.all([
    Promise.all(Array.from({ length: sessions - browserPages }, (_, index) => widgetsSession(app, events, 1000 + index))),
    Promise.all(pages.map(({ page }, index) => clickInBrowser(page, clickPlan(2000 + index, events)))),
  ])
  const seconds = (performance.now() - started) / 1000
  const latencies = raw.flatMap((report) => report.latencies)
  t.diagnostic(
    `${sessions} sessions × ${events} events in ${seconds.toFixed(1)} s (${Math.round((sessions * events) / seconds)} events/s); ` +
      `raw sessions' ack latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (informative only)`,
  )
  raw.forEach((report, index) => {
    assert.deepEqual(report.failures, [], `raw session ${index}`)
    assert.equal(report.latencies.length, events, `raw session ${index}: acks`)
    assert.equal(report.shown, report.expected, `raw session ${index}: final page`)
  })
  real.forEach((result, index) => {
    assert.equal(result.stuckAt, -1, `browser page ${index} stopped updating at event ${result.stuckAt}`)
    assert.equal(result.shown, result.expected, `browser page ${index}: final DOM`)
    assert.deepEqual(pages[index]!.problems, [], `browser page ${index}: errors or warnings`)
  })
  // Each browser page's count is also right after a reload: the server's state agrees with the DOM.
  for (const [index, { page }] of pages.entries()) {
    assert.equal(await page.locator('#counter .count').textContent(), real[index]!.expected)
    await page.close()
  }
  if (hasProc) t.diagnostic(`backend RSS ${(rssBefore / 1024).toFixed(0)} → ${(rssKiB(app.child.pid!) / 1024).toFixed(0)} MiB`)
})
