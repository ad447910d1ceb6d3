// `taupy build`: the UI into dist/web (Vite, or esbuild for the widgets client) and the
// backend into one ESM file, dist/server.mjs, with its dependencies bundled in: one file
// starts faster than a node_modules tree and is what `taupy package` ships.
import { build as esbuild, context, type BuildOptions } from 'esbuild'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { runTool } from './processes.js'

// Some bundled CommonJS dependencies call require() for Node built-ins.
const requireShim = "import { createRequire as __taupyCreateRequire } from 'node:module'; const require = __taupyCreateRequire(import.meta.url);"

function serverOptions(config: AppConfig, dev: boolean): BuildOptions {
  return {
    entryPoints: [join(config.dir, config.server)],
    outfile: serverBundle(config),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dev: stack traces point into the sources; without their text the map is a third the size.
    sourcemap: dev ? 'inline' : false,
    sourcesContent: false,
    minifySyntax: !dev,
    banner: { js: requireShim },
    // Baked in: the running version (the ready line's `version`) and the update settings; the
    // public key is the app's trust anchor, so no environment variable can replace it.
    define: {
      'process.env.TAUPY_APP_NAME': JSON.stringify(config.productName),
      'process.env.TAUPY_BUILT_VERSION': JSON.stringify(config.version),
      'process.env.TAUPY_BUILT_UPDATE_URL': JSON.stringify(config.updates.url ?? ''),
      'process.env.TAUPY_BUILT_PUBLIC_KEY': JSON.stringify(config.updates.publicKey ?? ''),
    },
    logLevel: 'warning',
  }
}

function clientOptions(config: AppConfig, dev: boolean): BuildOptions {
  return {
    entryPoints: [join(config.dir, config.client ?? '')],
    outfile: join(webDir(config), 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: !dev,
    sourcemap: dev ? 'inline' : false,
    logLevel: 'warning',
  }
}

export async function buildServer(config: AppConfig, options: { dev?: boolean } = {}): Promise<void> {
  await esbuild(serverOptions(config, Boolean(options.dev)))
}

export async function buildClient(config: AppConfig, options: { dev?: boolean } = {}): Promise<void> {
  if (config.client) await esbuild(clientOptions(config, Boolean(options.dev)))
}

export interface DevBuilder {
  /** Rebuilds the backend (and the widgets client) incrementally: only changed files are parsed again. */
  rebuild(): Promise<void>
  dispose(): Promise<void>
}

/** For `taupy dev`: esbuild contexts kept alive between saves. */
export async function devBuilder(config: AppConfig): Promise<DevBuilder> {
  const contexts = await Promise.all([
    context(serverOptions(config, true)),
    ...(config.client ? [context(clientOptions(config, true))] : []),
  ])
  return {
    rebuild: async () => void (await Promise.all(contexts.map((ctx) => ctx.rebuild()))),
    dispose: async () => void (await Promise.all(contexts.map((ctx) => ctx.dispose()))),
  }
}

/**
 * Replaces what a build makes, dist/web and dist/server.mjs, and nothing else in dist/: the
 * executables `taupy package` put in dist/package survive `npm run build` and `npm test`.
 */
export async function buildAll(config: AppConfig): Promise<void> {
  for (const output of [webDir(config), serverBundle(config)]) rmSync(output, { recursive: true, force: true })
  if (config.vite) await runTool(config.dir, 'vite', ['build', '--outDir', webDir(config), '--emptyOutDir'])
  await Promise.all([buildClient(config), buildServer(config)])
}
