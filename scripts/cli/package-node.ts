// The Node binary that goes into the executable. By default the one running this tool (no
// download); for another version or another OS, the official binary from the registry's
// node-<os>-<arch> package, fetched once with `npm pack` (which checks its integrity) into
// node_modules/.cache/taupy/node and reused from there.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { exeName, isHost, nodePackageName, type PackageTarget } from './package-target.js'

export interface NodeChoice {
  /** Path of the binary to embed. */
  binary: string
  version: string
  source: 'running' | 'registry'
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    // No shell (see processes.ts): the arguments reach the program exactly as given.
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed:\n${output}`))))
  })
}

/**
 * npm's own script, run with this Node: as the user ran it (npm_execpath under `npm run`),
 * else the one installed beside this Node (Windows: <node dir>/node_modules/npm, elsewhere
 * <prefix>/lib/node_modules/npm), else `npm` on PATH (POSIX only: on Windows that is npm.cmd,
 * which needs a shell).
 */
function npm(args: string[], cwd: string): Promise<void> {
  const nodeDir = dirname(process.execPath)
  const candidates = [
    process.env.npm_execpath,
    join(nodeDir, 'node_modules/npm/bin/npm-cli.js'),
    join(nodeDir, '../lib/node_modules/npm/bin/npm-cli.js'),
  ]
  const npmCli = candidates.find((path): path is string => Boolean(path && /npm-cli\.js$/.test(path) && existsSync(path)))
  if (npmCli) return run(process.execPath, [npmCli, ...args], cwd)
  if (process.platform === 'win32') return Promise.reject(new Error('taupy package: npm was not found beside node.exe; run this from `npm run package`'))
  return run('npm', args, cwd)
}

/**
 * The newest release published as LTS in the node-<os>-<arch> packages (Node 24 "Krypton";
 * 26 enters LTS after its last build there). Raise it with each LTS release.
 */
export const ltsNodeVersion = '24.21.0'

/** Node 22.1+ can cache compiled code: later starts of the packaged app are ~25% faster. */
const hasCompileCache = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > 22 || (major === 22 && minor >= 1)
}

/**
 * `running` (the Node running this tool), `lts`, or a version such as 24.21.0. By default the
 * running one, unless it lacks the compile cache (Node 20, end of life since April 2026): then
 * the LTS. bench/package.ts has the numbers behind this.
 */
export function nodeVersionFor(choice: string | undefined): string {
  if (choice === 'lts') return ltsNodeVersion
  if (choice === 'running') return process.versions.node
  if (choice) {
    if (!/^v?\d+\.\d+\.\d+$/.test(choice)) throw new Error(`taupy package: --node takes running, lts or a version like ${ltsNodeVersion}, not "${choice}"`)
    return choice.replace(/^v/, '')
  }
  return hasCompileCache(process.versions.node) ? process.versions.node : ltsNodeVersion
}

/** `purpose`: said when it must be fetched, if it is not to be embedded (e.g. " to run zstd"). */
export async function resolveNode(appDir: string, target: PackageTarget, choice?: string, purpose = ''): Promise<NodeChoice> {
  const wanted = nodeVersionFor(choice)
  if (isHost(target) && wanted === process.versions.node) {
    return { binary: process.execPath, version: wanted, source: 'running' }
  }
  const name = nodePackageName(target)
  const folder = join(appDir, 'node_modules/.cache/taupy/node', `${name}-${wanted}`)
  const binary = join(folder, exeName(target, 'node'))
  if (existsSync(binary)) return { binary, version: wanted, source: 'registry' }

  console.error(`taupy: fetching Node ${wanted} for ${target.id} (npm package ${name})${purpose}…`)
  const scratch = `${folder}.partial`
  rmSync(scratch, { recursive: true, force: true })
  mkdirSync(scratch, { recursive: true })
  await npm(['pack', `${name}@${wanted}`, '--pack-destination', scratch, '--silent'], scratch)
  const tarball = `${name}-${wanted}.tgz`
  const inside = `package/bin/${exeName(target, 'node')}`
  // tar ships with Linux, macOS and Windows 10+.
  await run('tar', ['-xzf', tarball, inside], scratch)
  mkdirSync(folder, { recursive: true })
  renameSync(join(scratch, inside), binary)
  rmSync(scratch, { recursive: true, force: true })
  return { binary, version: wanted, source: 'registry' }
}
