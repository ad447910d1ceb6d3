// `npm run bench`: every benchmark in one run, each number beside a baseline measured in the
// same run, printed as a table and written to bench/results.md with the machine and date.
import { cpus, totalmem } from 'node:os'
import { writeFileSync } from 'node:fs'
import type { Bench, BenchRow } from './types.js'

const benches: Record<string, () => Promise<{ default: Bench }>> = {
  scaffold: () => import('./scaffold.js'),
  backend: () => import('./backend.js'),
  widgets: () => import('./widgets.js'),
  dev: () => import('./dev.js'),
  spa: () => import('./spa.js'),
  launcher: () => import('./launcher.js'),
  package: () => import('./package.js'),
  updates: () => import('./updates.js'),
  load: () => import('./load.js'),
}

const only = process.argv.slice(2)
const rows: BenchRow[] = []
for (const [name, load] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue
  process.stderr.write(`bench: ${name}…\n`)
  try {
    rows.push(...(await (await load()).default()))
  } catch (error) {
    process.stderr.write(`bench: ${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exitCode = 1
  }
}

const format = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3))
const formatRatio = (ratio: number): string => (ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2))
const header = '| group | metric | ours | baseline | baseline value | ratio (ours / baseline) | note |\n|---|---|---|---|---|---|---|'
const table = rows
  .map((row) => `| ${row.group} | ${row.metric} | ${format(row.ours)} ${row.unit} | ${row.baselineName} | ${format(row.baseline)} ${row.unit} | ${formatRatio(row.ours / row.baseline)}× | ${row.note ?? ''} |`)
  .join('\n')
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}-${process.arch}`
const report = `# Benchmark results\n\n${new Date().toISOString().slice(0, 10)} on ${machine}.\nProduced by \`npm run bench\`; every baseline was measured in the same run.\n\n${header}\n${table}\n`
console.log(`${header}\n${table}`)
if (only.length === 0) writeFileSync(new URL('./results.md', import.meta.url), report)
