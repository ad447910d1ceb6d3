// `taupy package --packer caxa`: the alternative packer. The file is caxa's prebuilt stub for
// the target with a gzipped tar of a staging folder appended; on the first run the stub
// extracts it to <temp>/caxa/applications/<identifier>/ and runs
// `{{caxa}}/node {{caxa}}/main.mjs`. Kept for targets without a launcher (macOS) and as a
// fallback; its caveats are in docs/shipping.md.
import { build as esbuild } from 'esbuild'
import { createHash } from 'node:crypto'
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { findLauncher, launcherArgs } from './launcher.js'
import type { NodeChoice } from './package-node.js'
import { exeName, stubName, type PackageTarget } from './package-target.js'
import { runTool, toolCommand } from './processes.js'

export function filesUnder(dir: string): string[] {
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

/** Fails early, with advice, when caxa or its stub for the target is missing. */
export function caxaStub(config: AppConfig, target: PackageTarget): string {
  const stub = join(config.dir, 'node_modules/caxa/stubs', stubName(target))
  toolCommand(config.dir, 'caxa')
  if (!existsSync(stub)) throw new Error(`caxa has no stub for ${target.id} (${stub})`)
  return stub
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

/** Packs with caxa into `file`; returns whether a native launcher went in. */
export async function packWithCaxa(config: AppConfig, target: PackageTarget, node: NodeChoice, file: string): Promise<{ launcher: boolean }> {
  const stub = caxaStub(config, target)
  const staged = await stage(config, target, node)
  if (!staged.launcher) {
    console.error(`taupy: no launcher for ${target.id} in taupy/launcher/; the file will open the system browser (or run with --no-window)`)
  }
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
  return { launcher: staged.launcher }
}
