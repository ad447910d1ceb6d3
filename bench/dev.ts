// The edit loop of the widgets template: a save of a widget file → the new text visible in the
// open Chromium page, through `taupy dev` (debounced rebuild, same-port restart, the page reloads
// itself), against doing it by hand in the same run: stop the backend, `taupy build`, start it,
// reload the page.
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { waitForReady } from '../scripts/cli/processes.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from '../test/helpers/apps.js'
import { median } from './measure.js'
import type { Bench } from './types.js'

const edits = 8
const widgetFile = 'src/components/counter.ts'

async function timeEdits(page: Page, file: string, afterWrite: () => Promise<void> = async () => {}): Promise<number[]> {
  const original = readFileSync(file, 'utf8')
  if (!original.includes("heading('Counter', 2)")) throw new Error(`${widgetFile} no longer has the Counter heading this bench edits`)
  const times: number[] = []
  for (let i = 1; i <= edits; i++) {
    const text = `Counter ${i}`
    const started = performance.now()
    writeFileSync(file, original.replace("heading('Counter', 2)", `heading('${text}', 2)`))
    await afterWrite()
    await page.getByRole('heading', { name: text, exact: true }).waitFor({ timeout: 30_000 })
    times.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  writeFileSync(file, original)
  return times
}

const bench: Bench = async () => {
  const browser = await launchBrowser()
  try {
    const app = installedApp('widgets')
    const file = join(app, widgetFile)
    const dev = spawn('npm', ['run', 'dev', '--', '--no-window'], { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'ignore'] })
    let devTimes: number[]
    try {
      const page = await browser.newPage()
      await page.goto(await waitForReady(dev, () => {}))
      await page.getByRole('heading', { name: 'Counter', exact: true }).waitFor()
      devTimes = await timeEdits(page, file)
    } finally {
      process.kill(-dev.pid!, 'SIGTERM')
    }

    // By hand: the same edits, each followed by a rebuild, a fresh backend and a page reload.
    const bin = join(app, 'taupy/bin/taupy.mjs')
    const env = { ...process.env, TAUPY_PORT: '0' }
    let backend = spawn(process.execPath, ['dist/server.mjs'], { cwd: app, env, stdio: ['pipe', 'pipe', 'ignore'] })
    const page = await browser.newPage()
    await page.goto(await waitForReady(backend, () => {}))
    const manualTimes = await timeEdits(page, file, async () => {
      backend.kill('SIGKILL')
      await new Promise<void>((resolve, reject) =>
        spawn(process.execPath, [bin, 'build'], { cwd: app, stdio: 'ignore' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error('build failed')))),
      )
      backend = spawn(process.execPath, ['dist/server.mjs'], { cwd: app, env, stdio: ['pipe', 'pipe', 'ignore'] })
      await page.goto(await waitForReady(backend, () => {}))
    })
    backend.kill('SIGKILL')
    return [
      { group: 'dev loop', metric: `widgets: save → new text in Chromium, median of ${edits}`, unit: 'ms', ours: median(devTimes), baselineName: 'stop, taupy build, start, reload by hand', baseline: median(manualTimes) },
    ]
  } finally {
    await browser.close()
  }
}
export default bench
