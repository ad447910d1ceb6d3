// Production bundle size (gzip) of the React and Lit demos beside create-vite's bare template of
// the same framework, both built in this run with the same Vite. The projects are laid out under
// node_modules/.cache so they resolve react, lit and vite from the monorepo: no install needed.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import { planProject, writeProject } from '../create-taupy/src/project.js'
import { findTemplate } from '../create-taupy/src/templates.js'
import type { Bench, BenchRow } from './types.js'

const repo = fileURLToPath(new URL('..', import.meta.url))
const viteTemplates = join(repo, 'node_modules/create-vite')
const work = join(repo, 'node_modules/.cache/bench-spa')

async function builtSize(root: string): Promise<{ gzip: number; raw: number }> {
  const outDir = join(root, 'dist')
  const config = join(root, 'vite.config.ts')
  // create-vite's lit-ts has no config file: Vite's defaults.
  await build({ root, configFile: existsSync(config) ? config : false, logLevel: 'silent', build: { outDir, emptyOutDir: true } })
  let gzip = 0
  let raw = 0
  // What the webview downloads: scripts, styles and the page (images and icons left out).
  for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(js|css|html)$/.test(entry.name)) continue
    const bytes = readFileSync(join(entry.parentPath, entry.name))
    raw += bytes.length
    gzip += gzipSync(bytes).length
  }
  return { gzip, raw }
}

function layDemo(name: string, dir: string): void {
  const template = findTemplate(name)
  if (!template) throw new Error(`no template ${name}`)
  const files = planProject({ assetsDir: join(repo, 'create-taupy/assets'), viteTemplatesDir: viteTemplates, template, packageName: `bench-${name}`, productName: 'Bench' })
  writeProject(dir, files)
}

const bench: Bench = async () => {
  rmSync(work, { recursive: true, force: true })
  const rows: BenchRow[] = []
  for (const [name, base] of [['react', 'react-ts'], ['lit', 'lit-ts']] as const) {
    const demoDir = join(work, `demo-${name}`)
    const bareDir = join(work, `bare-${name}`)
    layDemo(name, demoDir)
    cpSync(join(viteTemplates, `template-${base}`), bareDir, { recursive: true })
    const demo = await builtSize(demoDir)
    const bare = await builtSize(bareDir)
    rows.push({
      group: name,
      metric: 'production bundle, gzip',
      unit: 'KiB',
      ours: demo.gzip / 1024,
      baselineName: `create-vite ${base}`,
      baseline: bare.gzip / 1024,
      note: `JS+CSS+HTML; demo ${(demo.raw / 1024).toFixed(0)} KiB raw vs ${(bare.raw / 1024).toFixed(0)} KiB; demo = 5 features + router + /ws state/calls client`,
    })
  }
  rmSync(work, { recursive: true, force: true })
  return rows
}

export default bench
