#!/usr/bin/env node
// Entry of the app's tooling (`taupy build|start|dev|package`). The tooling is TypeScript in
// ../cli; Node 20 cannot run TypeScript, so esbuild bundles it once into node_modules/.cache
// and again only when a source file is newer than the bundle (a few ms to check).
import { build } from 'esbuild'
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const taupyDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const appDir = join(taupyDir, '..')
const bundle = join(appDir, 'node_modules/.cache/taupy/cli.mjs')

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
  }
  return newest
}

let bundleMtime = 0
try {
  bundleMtime = statSync(bundle).mtimeMs
} catch {}
if (bundleMtime < newestMtime(join(taupyDir, 'cli'))) {
  mkdirSync(dirname(bundle), { recursive: true })
  await build({
    entryPoints: [join(taupyDir, 'cli/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  })
}
const { main } = await import(pathToFileURL(bundle).href)
await main(process.argv.slice(2), appDir)
