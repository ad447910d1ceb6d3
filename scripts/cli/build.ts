// `taupy build`: the UI into dist/web (Vite, or esbuild for the widgets client) and the
// backend into one ESM file, dist/server.mjs, with its dependencies bundled in: one file
// starts faster than a node_modules tree and is what `taupy package` ships.
import { build as esbuild } from 'esbuild'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { runTool } from './processes.js'

// Some bundled CommonJS dependencies call require() for Node built-ins.
const requireShim = "import { createRequire as __taupyCreateRequire } from 'node:module'; const require = __taupyCreateRequire(import.meta.url);"

export async function buildServer(config: AppConfig, options: { dev?: boolean } = {}): Promise<void> {
  await esbuild({
    entryPoints: [join(config.dir, config.server)],
    outfile: serverBundle(config),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: options.dev ? 'inline' : false,
    minifySyntax: !options.dev,
    banner: { js: requireShim },
    define: { 'process.env.TAUPY_APP_NAME': JSON.stringify(config.productName) },
    logLevel: 'warning',
  })
}

export async function buildClient(config: AppConfig, options: { dev?: boolean } = {}): Promise<void> {
  if (!config.client) return
  await esbuild({
    entryPoints: [join(config.dir, config.client)],
    outfile: join(webDir(config), 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: !options.dev,
    sourcemap: options.dev ? 'inline' : false,
    logLevel: 'warning',
  })
}

export async function buildAll(config: AppConfig): Promise<void> {
  rmSync(config.outDir, { recursive: true, force: true })
  if (config.vite) await runTool(config.dir, 'vite', ['build', '--outDir', webDir(config), '--emptyOutDir'])
  await Promise.all([buildClient(config), buildServer(config)])
}
