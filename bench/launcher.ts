// The native window against `chromium --app`, on the same page of a built widgets app: time from
// spawn until the page has loaded and its script has connected to /ws (seen in the backend's
// request log, the same signal for both), and the memory of the whole process tree (launcher or
// browser, with its web processes; the backend is not counted) once it settled.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { ensureDisplay, stopDisplay, treeRssKiB } from '../test/fixtures/launcher/harness.js'
import { waitForReady } from '../scripts/cli/processes.js'
import { installedApp } from '../test/helpers/apps.js'
import { median } from './measure.js'
import type { Bench } from './types.js'

const runs = 5
const settleMs = 1500

interface Backend {
  url: string
  connected(): Promise<void>
  stop(): void
}

async function startBackend(app: string): Promise<Backend> {
  const child = spawn(process.execPath, ['dist/server.mjs'], { cwd: app, env: { ...process.env, TAUPY_LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'] })
  let waiter: (() => void) | undefined
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (/"url":"\/ws"/.test(chunk)) waiter?.()
  })
  const url = await waitForReady(child, () => {})
  return {
    url,
    connected: () => new Promise<void>((resolve) => (waiter = resolve)),
    stop: () => child.kill('SIGKILL'),
  }
}

async function measure(app: string, open: (url: string) => ChildProcess): Promise<{ ms: number; mb: number }> {
  const times: number[] = []
  const memory: number[] = []
  for (let i = 0; i < runs; i++) {
    const backend = await startBackend(app)
    const connected = backend.connected()
    const started = performance.now()
    const window = open(backend.url)
    await connected
    times.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    memory.push(treeRssKiB(window.pid!).pssKib / 1024)
    window.kill('SIGKILL')
    backend.stop()
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  return { ms: median(times), mb: median(memory) }
}

const bench: Bench = async () => {
  await ensureDisplay()
  const app = installedApp('widgets')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'inherit' })
  const launcher = join(app, 'taupy/launcher/linux-x64/taupy-launcher')
  try {
    const ours = await measure(app, (url) => spawn(launcher, ['--url', url], { stdio: ['pipe', 'ignore', 'ignore'] }))
    const chromium = await measure(app, (url) =>
      spawn('chromium', [
        `--app=${url}`,
        `--user-data-dir=${mkdtempSync(join(tmpdir(), 'bench-chromium-'))}`,
        '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ], { stdio: 'ignore' }),
    )
    return [
      { group: 'launcher', metric: 'spawn → page connected to /ws, median of 5', unit: 'ms', ours: ours.ms, baselineName: 'chromium --app', baseline: chromium.ms },
      { group: 'launcher', metric: 'memory of the window process tree (PSS)', unit: 'MB', ours: ours.mb, baselineName: 'chromium --app', baseline: chromium.mb, note: 'Xvfb, software rendering' },
    ]
  } finally {
    stopDisplay()
  }
}
export default bench
