// Load: 50 windows of the built widgets demo app at once, each clicking its counter 2,000
// times (paced under the channel's rate limit, 16 events in flight), against the same load on
// a bare /ws echo channel of the core (the transport alone, no rendering): acknowledgement
// latency p50/p99 and throughput. Correctness under this load is asserted by
// test/load-widgets.test.ts; here only the figures. Run alone: node --import tsx bench/load.ts
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startApp } from '../scripts/testing/app.js'
import { startBackend } from '../test/helpers/backend.js'
import { installedApp } from '../test/helpers/apps.js'
import { echoSession, percentile, widgetsSession, type SessionReport } from '../test/fixtures/adversarial/load.js'
import type { Bench, BenchRow } from './types.js'

const sessions = Number(process.env.TAUPY_LOAD_SESSIONS ?? 50)
const events = Number(process.env.TAUPY_LOAD_EVENTS ?? 2000)

interface Figures {
  p50: number
  p99: number
  eventsPerSecond: number
  failures: number
}

async function measure(run: (index: number) => Promise<SessionReport>): Promise<Figures> {
  const started = performance.now()
  const reports = await Promise.all(Array.from({ length: sessions }, (_, index) => run(index)))
  const seconds = (performance.now() - started) / 1000
  const latencies = reports.flatMap((report) => report.latencies)
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    eventsPerSecond: latencies.length / seconds,
    failures: reports.reduce((sum, report) => sum + report.failures.length, 0),
  }
}

const bench: Bench = async () => {
  const dir = installedApp('widgets')
  execFileSync(process.execPath, ['taupy/bin/taupy.mjs', 'build'], { cwd: dir, stdio: 'pipe', timeout: 240_000 })
  const app = await startApp(dir)
  const widgets = await measure((index) => widgetsSession(app, events, 1000 + index)).finally(() => app.stop())
  const echoServer = [process.execPath, '--import', 'tsx', fileURLToPath(new URL('../test/fixtures/adversarial/push-server.ts', import.meta.url))]
  const backend = await startBackend(echoServer)
  const echo = await measure(() => echoSession(backend, events)).finally(() => backend.stop())
  if (widgets.failures + echo.failures > 0) throw new Error(`load run had ${widgets.failures + echo.failures} failures (see test/load-widgets.test.ts)`)
  const note = `${sessions} sessions × ${events} events, 16 in flight each`
  const row = (metric: string, unit: string, ours: number, baseline: number): BenchRow => ({
    group: 'load',
    metric,
    unit,
    ours,
    baselineName: 'bare /ws echo (core channel)',
    baseline,
    note,
  })
  return [
    row('event → ack latency p50', 'ms', widgets.p50, echo.p50),
    row('event → ack latency p99', 'ms', widgets.p99, echo.p99),
    row('throughput', 'events/s', widgets.eventsPerSecond, echo.eventsPerSecond),
  ]
}
export default bench

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await bench()) console.log(`${row.metric}: widgets ${row.ours.toFixed(1)} ${row.unit}, ${row.baselineName} ${row.baseline.toFixed(1)} ${row.unit} (${(row.ours / row.baseline).toFixed(2)}×)`)
}
