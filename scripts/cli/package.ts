// `taupy package [--target linux-x64|win32-x64|…] [--node running|lts|<version>]`: one executable file
// with Node, the built app and the native launcher inside, made by caxa. The file is caxa's
// prebuilt stub for the target with a gzipped tar of a staging folder appended; on the first
// run the stub extracts it to <temp>/caxa/applications/<identifier>/ and runs
// `{{caxa}}/node {{caxa}}/main.mjs`. Nothing is compiled for the target, so every target
// builds on any host (docs/shipping.md).
import { build as esbuild } from 'esbuild'
import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { buildAll } from './build.js'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { findLauncher, launcherArgs } from './launcher.js'
import { resolveNode, type NodeChoice } from './package-node.js'
import { exeName, hostTarget, parseTarget, stubName, type PackageTarget } from './package-target.js'
import { runTool, toolCommand } from './processes.js'

export interface PackageResult {
  file: string
  bytes: number
  target: PackageTarget
  node: NodeChoice
  launcher: boolean
}

export const packageDir = (config: AppConfig): string => join(config.outDir, 'package')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

/** Same contents, same identifier: a rebuild that changed nothing reuses the extracted folder. */
function contentHash(dir: string): string {
  const hash = createHash('sha256')
  for (const file of filesUnder(dir)) {
    const contents = readFileSync(file)
    hash.update(`${relative(dir, file).replaceAll('\\', '/')}\0${contents.length}\0`).update(contents)
  }
  return hash.digest('hex').slice(0, 12)
}

/** The folder caxa archives: dist/, node, launcher/, main.mjs. */
async function stage(config: AppConfig, target: PackageTarget, node: NodeChoice): Promise<{ dir: string; launcher: boolean }> {
  const dir = join(config.dir, 'node_modules/.cache/taupy/package', target.id)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'dist'), { recursive: true })
  copyFileSync(serverBundle(config), join(dir, 'dist/server.mjs'))
  if (existsSync(webDir(config))) cpSync(webDir(config), join(dir, 'dist/web'), { recursive: true })

  const nodeFile = join(dir, exeName(target, 'node'))
  copyFileSync(node.binary, nodeFile)
  chmodSync(nodeFile, 0o755)

  const launcher = findLauncher(config.dir, target.id)
  if (launcher) {
    const launcherFile = join(dir, 'launcher', exeName(target, 'taupy-launcher'))
    mkdirSync(join(dir, 'launcher'), { recursive: true })
    copyFileSync(launcher, launcherFile)
    chmodSync(launcherFile, 0o755)
  }

  await esbuild({
    entryPoints: [join(config.dir, 'taupy/packaging/entry.ts')],
    outfile: join(dir, 'main.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifySyntax: true,
    define: { TAUPY_LAUNCHER_ARGS: JSON.stringify(launcherArgs(config)) },
    logLevel: 'warning',
  })
  return { dir, launcher: Boolean(launcher) }
}

/**
 * The command caxa's stub runs, {{caxa}} being the extracted folder. Files archived on Windows
 * carry no executable bits (NTFS has none; caxa's archiver records 0666 there), so a Linux or
 * macOS file built on Windows restores them through /bin/sh first, and then is plain Node.
 */
export function packedCommand(target: PackageTarget, host: NodeJS.Platform = process.platform): string[] {
  const node = `{{caxa}}/${exeName(target, 'node')}`
  if (target.platform === 'win32' || host !== 'win32') return [node, '{{caxa}}/main.mjs']
  return ['/bin/sh', '-c', 'chmod u+x "$0" "${0%/node}/launcher/taupy-launcher" 2>/dev/null; exec "$0" "$@"', node, '{{caxa}}/main.mjs']
}

/** `taupy build` empties dist/; executables made earlier for other targets survive it. */
async function buildKeepingPackages(config: AppConfig): Promise<void> {
  const kept = join(config.dir, 'node_modules/.cache/taupy/package-kept')
  rmSync(kept, { recursive: true, force: true })
  if (existsSync(packageDir(config))) {
    mkdirSync(dirname(kept), { recursive: true })
    renameSync(packageDir(config), kept)
  }
  try {
    await buildAll(config)
  } finally {
    if (existsSync(kept)) {
      mkdirSync(config.outDir, { recursive: true })
      renameSync(kept, packageDir(config))
    }
  }
}

export interface PackageOptions {
  target?: PackageTarget
  /** Node to embed: `running`, `lts` or a version (see nodeVersionFor). */
  node?: string
}

/** The CLI: `taupy package [--target <os-arch>] [--node running|lts|<version>]`. */
export async function packageApp(config: AppConfig, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, allowPositionals: true, options: { target: { type: 'string' }, node: { type: 'string' } } })
  await buildPackage(config, { target: values.target ? parseTarget(values.target) : undefined, node: values.node })
}

export async function buildPackage(config: AppConfig, options: PackageOptions = {}): Promise<PackageResult> {
  const target = options.target ?? hostTarget()
  const stub = join(config.dir, 'node_modules/caxa/stubs', stubName(target))
  toolCommand(config.dir, 'caxa') // fails early, with advice, when caxa is not installed
  if (!existsSync(stub)) throw new Error(`caxa has no stub for ${target.id} (${stub})`)

  await buildKeepingPackages(config)
  const node = await resolveNode(config.dir, target, options.node)
  const staged = await stage(config, target, node)
  if (!staged.launcher) {
    console.error(`taupy: no launcher for ${target.id} in taupy/launcher/; the file will open the system browser (or run with --no-window)`)
  }

  const file = join(packageDir(config), exeName(target, `${config.name}-${target.id}`))
  const identifier = `${config.name}/${contentHash(staged.dir)}`
  // --no-dedupe: caxa would run `npm dedupe` on the input, which needs the network and has
  // nothing to do here (the backend is one bundled file). --no-include-node: we placed the
  // Node for the target ourselves.
  await runTool(config.dir, 'caxa', [
    '--input', staged.dir,
    '--output', file,
    '--stub', stub,
    '--identifier', identifier,
    '--no-dedupe',
    '--no-include-node',
    '--',
    ...packedCommand(target),
  ])
  rmSync(staged.dir, { recursive: true, force: true })
  const bytes = statSync(file).size
  console.error(
    `taupy: ${relative(process.cwd(), file) || file} (${(bytes / 1024 / 1024).toFixed(1)} MiB, Node ${node.version}` +
      `${staged.launcher ? ', native window' : ', no launcher'})`,
  )
  return { file, bytes, target, node, launcher: staged.launcher }
}
