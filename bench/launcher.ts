// The native window against `chromium --app`, on the same page of a built widgets app: time from
// spawn until the page has loaded and its script has connected to /ws (seen in the backend's
// request log, the same signal for both), and the memory of the whole process tree (launcher or
// browser, with its web processes; the backend is not counted) once it settled.
// Then the start-up of the app as `npm start` runs it (launcher -- node dist/server.mjs): spawn →
// splash painted (TAUPY_TRACE's line), spawn → page connected on /ws, each beside the backend's
// own spawn → ready line: the window should cost little on top of Node's start-up, since the
// two overlap. And WebKit's floor: spawn → its web process up, with a backend that never gets
// ready (the page cannot connect before WebKit can load it).
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
/** The launcher of this tree (launcher/build.sh), not the copy an older scaffold carries. */
const launcherBin = process.env.TAUPY_LAUNCHER_BIN ?? join(import.meta.dirname, '..', 'launcher', 'prebuilt', 'linux-x64', 'taupy-launcher')

interface Backend {
  url: string
  connected(): Promise<void>
  stop(): void
}

async function startBackend(app: string): Promise<Backend> {
  const child = spawn(process.execPath, ['dist/server.mjs'], { cwd: app, env: { ...process.env, TAUPY_LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'] })
  let waiter: (() => void) | undefined
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (/"url":"\/ws[?"]/.test(chunk)) waiter?.()
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

/** ms from spawn until a stderr line matches, per event; the child is killed afterwards. */
function timeLines(child: ChildProcess, started: number, patterns: Record<string, RegExp>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {}
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk
      for (const [name, pattern] of Object.entries(patterns)) if (seen[name] === undefined && pattern.test(buffered)) seen[name] = performance.now() - started
      if (Object.keys(seen).length === Object.keys(patterns).length) resolve(seen)
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1)
    })
    child.on('exit', (code) => reject(new Error(`exited with ${code} before ${Object.keys(patterns).filter((n) => seen[n] === undefined).join(', ')}`)))
  })
}

async function startup(app: string): Promise<{ splash: number; connected: number; ready: number; webkit: number }> {
  const splash: number[] = []
  const connected: number[] = []
  const ready: number[] = []
  const webkit: number[] = []
  const env = { ...process.env, TAUPY_LOG_LEVEL: 'info', TAUPY_TRACE: '1' }
  for (let i = 0; i < runs; i++) {
    let started = performance.now()
    const alone = spawn(process.execPath, ['dist/server.mjs'], { cwd: app, env, stdio: ['pipe', 'pipe', 'ignore'] })
    await waitForReady(alone, () => {})
    ready.push(performance.now() - started)
    alone.kill('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 300))

    started = performance.now()
    const window = spawn(launcherBin, ['--title', 'Bench', '--', process.execPath, 'dist/server.mjs'], { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] })
    const t = await timeLines(window, started, { splash: /taupy-launcher: trace splash_painted/, connected: /"url":"\/ws[?"]/ })
    splash.push(t.splash!)
    connected.push(t.connected!)
    window.kill('SIGTERM')
    await new Promise((resolve) => window.once('exit', resolve))
    await new Promise((resolve) => setTimeout(resolve, 300))

    // WebKit alone: a backend that never gets ready, so the web process starts with the splash
    // page and nothing else competes for the cores.
    started = performance.now()
    const idle = spawn(launcherBin, ['--title', 'Bench', '--', process.execPath, '-e', 'setInterval(() => {}, 60_000)'], { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] })
    webkit.push((await timeLines(idle, started, { up: /taupy-launcher: trace splash_page_loaded/ })).up!)
    idle.kill('SIGTERM')
    await new Promise((resolve) => idle.once('exit', resolve))
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  return { splash: median(splash), connected: median(connected), ready: median(ready), webkit: median(webkit) }
}

const bench: Bench = async () => {
  await ensureDisplay()
  const app = installedApp('widgets')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'inherit' })
  try {
    const ours = await measure(app, (url) => spawn(launcherBin, ['--url', url], { stdio: ['pipe', 'ignore', 'ignore'] }))
    const chromium = await measure(app, (url) =>
      spawn('chromium', [
        `--app=${url}`,
        `--user-data-dir=${mkdtempSync(join(tmpdir(), 'bench-chromium-'))}`,
        '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ], { stdio: 'ignore' }),
    )
    const start = await startup(app)
    return [
      { group: 'launcher', metric: 'launcher spawn → splash painted, median of 5', unit: 'ms', ours: start.splash, baselineName: 'backend spawn → ready line alone', baseline: start.ready, note: 'goal ≤ 150 ms' },
      { group: 'launcher', metric: 'launcher spawn → page connected on /ws (npm start), median of 5', unit: 'ms', ours: start.connected, baselineName: 'backend spawn → ready line alone', baseline: start.ready, note: 'goal ≤ 1.2×' },
      { group: 'launcher', metric: "launcher spawn → WebKit's web process up (splash page loaded; a backend that never gets ready), median of 5", unit: 'ms', ours: start.webkit, baselineName: 'backend spawn → ready line alone', baseline: start.ready, note: 'the floor under the row above: WebKitGTK starting with nothing else to do' },
      { group: 'launcher', metric: 'spawn → page connected to /ws, median of 5', unit: 'ms', ours: ours.ms, baselineName: 'chromium --app', baseline: chromium.ms },
      { group: 'launcher', metric: 'memory of the window process tree (PSS)', unit: 'MB', ours: ours.mb, baselineName: 'chromium --app', baseline: chromium.mb, note: 'Xvfb, software rendering' },
    ]
  } finally {
    stopDisplay()
  }
}
export default bench
