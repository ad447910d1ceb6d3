// `taupy package [--target linux-x64|win32-x64|…] [--node running|lts|<version>] [--packer launcher|caxa]`:
// one executable file with Node and the built app inside. The default packer appends them to
// the prebuilt native launcher (pack-launcher.ts, docs/one-file-format.md); `--packer caxa`
// makes the older caxa file (pack-caxa.ts). Nothing is compiled for the target, so every
// target builds on any host (docs/shipping.md).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { buildAll } from './build.js'
import type { AppConfig } from './config.js'
import { caxaStub, packWithCaxa } from './pack-caxa.js'
import { checkLauncherPacking, packWithLauncher } from './pack-launcher.js'
import { resolveNode, type NodeChoice } from './package-node.js'
import { exeName, hostTarget, parseTarget, type PackageTarget } from './package-target.js'
import { releaseDir, writeRelease } from './release.js'

export type Packer = 'launcher' | 'caxa'
export const packers: readonly Packer[] = ['launcher', 'caxa']

export interface PackageResult {
  file: string
  bytes: number
  target: PackageTarget
  node: NodeChoice
  packer: Packer
  /** Whether the file opens a native window (else the system browser). */
  launcher: boolean
}

export const packageDir = (config: AppConfig): string => join(config.outDir, 'package')

/** `taupy build` empties dist/; executables (and release files) made earlier for other targets survive it. */
async function buildKeepingPackages(config: AppConfig): Promise<void> {
  const keep = [packageDir(config), releaseDir(config)]
  const kept = keep.map((dir) => join(config.dir, 'node_modules/.cache/taupy', `${basename(dir)}-kept`))
  keep.forEach((dir, i) => {
    rmSync(kept[i]!, { recursive: true, force: true })
    if (existsSync(dir)) {
      mkdirSync(dirname(kept[i]!), { recursive: true })
      renameSync(dir, kept[i]!)
    }
  })
  try {
    await buildAll(config)
  } finally {
    keep.forEach((dir, i) => {
      if (existsSync(kept[i]!)) {
        mkdirSync(config.outDir, { recursive: true })
        renameSync(kept[i]!, dir)
      }
    })
  }
}

export interface PackageOptions {
  target?: PackageTarget
  /** Node to embed: `running`, `lts` or a version (see nodeVersionFor). */
  node?: string
  packer?: Packer
  /** Also write dist/release/ (signed update.json, app-only payload): docs/updates.md. */
  release?: boolean
}

/**
 * TAUPY_SIGN_COMMAND (docs/updates.md, Code signing): a shell command that signs the finished
 * file in place (its path in TAUPY_SIGN_FILE), run before --release hashes it: update.json must
 * record the SHA-256 of the file users download, and a signature changes it.
 */
function signPackagedFile(file: string): void {
  const command = process.env.TAUPY_SIGN_COMMAND
  if (!command) return
  console.error(`taupy: signing ${basename(file)} with TAUPY_SIGN_COMMAND`)
  const r = spawnSync(command, { shell: true, stdio: 'inherit', env: { ...process.env, TAUPY_SIGN_FILE: file } })
  if (r.status !== 0) throw new Error(`taupy package: TAUPY_SIGN_COMMAND failed (${r.error?.message ?? (r.signal ? `signal ${r.signal}` : `exit ${r.status}`)}) on ${file}; nothing was released`)
}

export function parsePacker(value: string | undefined): Packer {
  if (value === undefined) return 'launcher'
  if (!(packers as readonly string[]).includes(value)) throw new Error(`taupy package: --packer takes ${packers.join(' or ')}, not "${value}"`)
  return value as Packer
}

/** The CLI: `taupy package [--target <os-arch>] [--node running|lts|<version>] [--packer launcher|caxa]`. */
export async function packageApp(config: AppConfig, argv: string[]): Promise<void> {
  try {
    const { values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { target: { type: 'string' }, node: { type: 'string' }, packer: { type: 'string' }, release: { type: 'boolean' } },
    })
    await buildPackage(config, { target: values.target ? parseTarget(values.target) : undefined, node: values.node, packer: parsePacker(values.packer), release: Boolean(values.release) })
  } catch (error) {
    // Our own refusals say what to do; a stack trace would only bury that.
    if (!(error instanceof Error && error.message.startsWith('taupy package:'))) throw error
    console.error(error.message)
    process.exitCode = 1
  }
}

export async function buildPackage(config: AppConfig, options: PackageOptions = {}): Promise<PackageResult> {
  const target = options.target ?? hostTarget()
  const packer = options.packer ?? 'launcher'
  // Refuse what cannot work before the build and any download.
  if (packer === 'caxa') caxaStub(config, target)
  else checkLauncherPacking(config, target)
  if (options.release && packer === 'caxa') throw new Error('taupy package: --release needs the default packer (a caxa file has no app-only payload to update)')

  await buildKeepingPackages(config)
  const node = await resolveNode(config.dir, target, options.node)
  const file = join(packageDir(config), exeName(target, `${config.name}-${target.id}`))
  mkdirSync(packageDir(config), { recursive: true })
  let launcher = true
  if (packer === 'caxa') launcher = (await packWithCaxa(config, target, node, file)).launcher
  else await packWithLauncher(config, target, node, file)
  const bytes = statSync(file).size
  console.error(
    `taupy: ${relative(process.cwd(), file) || file} (${(bytes / 1024 / 1024).toFixed(1)} MiB, Node ${node.version}, ` +
      `${packer === 'caxa' ? 'caxa' : 'launcher'}${launcher ? ', native window' : ', no launcher'})`,
  )
  if (packer === 'launcher') signPackagedFile(file)
  else if (process.env.TAUPY_SIGN_COMMAND) console.error('taupy: TAUPY_SIGN_COMMAND is not run on a caxa file (a signature breaks its footer); sign node and the launcher before packing')
  if (options.release) await writeRelease(config, file, target.id)
  return { file, bytes, target, node, packer, launcher }
}
