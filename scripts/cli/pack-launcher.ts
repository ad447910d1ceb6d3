// `taupy package` (the default packer): the app's executable is the prebuilt launcher for the
// target with a payload appended: Node for the target and the built app, in the one-file
// format (docs/one-file-format.md). The launcher extracts them once per user into its cache,
// starts the backend and opens the window: one native file, one Node process.
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { filesUnder } from './pack-caxa.js'
import { writeOneFile, type PackedGroup, type SourceFile } from './pack-payload.js'
import { runtimeCompressor, type ChunkCompressor } from './pack-codecs.js'
import { findLauncher, launcherArgs } from './launcher.js'
import type { NodeChoice } from './package-node.js'
import { exeName, type PackageTarget } from './package-target.js'

/** The launcher for the target, or an error that says what to do instead. */
export function launcherFor(config: AppConfig, target: PackageTarget): string {
  const launcher = findLauncher(config.dir, target.id)
  if (!launcher) {
    throw new Error(
      `taupy package: there is no launcher for ${target.id} (taupy/launcher/${target.id}/${exeName(target, 'taupy-launcher')}), ` +
        `and the default packer appends the app to it. Use \`npm run package -- --target ${target.id} --packer caxa\` ` +
        `(a caxa file that opens the system browser), or build the launcher for ${target.id}.`,
    )
  }
  return launcher
}

/** `@scope/My-App` → `scope-my-app`: the index's app.id must be a folder name on every OS. */
export function appId(name: string): string {
  const id = name.toLowerCase().replace(/^@/, '').replace(/[^a-z0-9._-]+/g, '-').replace(/^[.-]+/, '')
  if (!id) throw new Error(`taupy package: the package name "${name}" leaves nothing to name the cache folder; use letters or digits`)
  return id
}

const colour = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i

function splashColour(config: AppConfig, which: 'background' | 'foreground', fallback: string): string {
  const value = config.splash[which]
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !colour.test(value)) {
    throw new Error(`taupy package: "taupy.splash.${which}" in package.json must be a colour like ${fallback}, not ${JSON.stringify(value)}`)
  }
  return value
}

/** The app's part of the payload: the built backend and UI, and an optional splash.html. */
export function appFiles(config: AppConfig): SourceFile[] {
  const files: SourceFile[] = [{ path: 'dist/server.mjs', source: serverBundle(config), mode: 0o644 }]
  if (existsSync(webDir(config))) {
    for (const file of filesUnder(webDir(config))) {
      files.push({ path: `dist/web/${relative(webDir(config), file).replaceAll('\\', '/')}`, source: file, mode: 0o644 })
    }
  }
  const splash = join(config.dir, 'splash.html')
  if (existsSync(splash)) files.push({ path: 'splash.html', source: splash, mode: 0o644 })
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The index of docs/one-file-format.md. */
export function makeIndex(config: AppConfig, target: PackageTarget, node: NodeChoice, packed: Record<string, PackedGroup>, hasSplashHtml: boolean): unknown {
  const runtime = packed.runtime!
  const app = packed.app!
  const nodeExe = exeName(target, 'node')
  return {
    app: { id: appId(config.name), name: config.productName, version: config.version, build: app.hash.slice(0, 16) },
    // `codec` absent means Brotli (format 2), so a Brotli runtime is written without it.
    runtime: { id: `node-${node.version}-${target.id}-${runtime.hash.slice(0, 12)}`, ...(runtime.codec === 'brotli' ? {} : { codec: runtime.codec }), files: runtime.entries },
    files: app.entries,
    launch: {
      args: launcherArgs(config),
      backend: [`{runtime}/${nodeExe}`, '{app}/dist/server.mjs'],
      // Node 22.1+ caches compiled code; the app folder belongs to this exact build, the right
      // lifetime for it (never for user data: see taupy/server/app-data.ts). Node 20 ignores it.
      env: { NODE_COMPILE_CACHE: '{app}/.compile-cache' },
    },
    // The launcher verifies staged updates' signed manifests with this key (docs/updates.md).
    ...(config.updates.publicKey ? { updates: { publicKey: config.updates.publicKey } } : {}),
    splash: {
      title: config.productName,
      background: splashColour(config, 'background', '#ffffff'),
      foreground: splashColour(config, 'foreground', '#1f2328'),
      ...(hasSplashHtml ? { html: 'splash.html' } : {}),
    },
  }
}

/** Everything that can be refused before building: the launcher's path when all is well. */
export function checkLauncherPacking(config: AppConfig, target: PackageTarget): string {
  const launcher = launcherFor(config, target)
  appId(config.name)
  splashColour(config, 'background', '#ffffff')
  splashColour(config, 'foreground', '#1f2328')
  return launcher
}

/**
 * Packs the launcher for the target, Node and the built app into `file`; returns its size.
 * Node's chunks are zstd (pack-codecs.ts: a faster first start), unless `runtime` says otherwise.
 */
export async function packWithLauncher(config: AppConfig, target: PackageTarget, node: NodeChoice, file: string, runtime?: ChunkCompressor): Promise<number> {
  const launcher = checkLauncherPacking(config, target)
  const app = appFiles(config)
  return writeOneFile(file, {
    launcher,
    compressors: { runtime: runtime ?? (await runtimeCompressor(config.dir, target, node)) },
    groups: { runtime: [{ path: exeName(target, 'node'), source: node.binary, mode: 0o755 }], app },
    index: (packed) => makeIndex(config, target, node, packed, app.some((entry) => entry.path === 'splash.html')),
  })
}
