// Builds the publishable shape of create-taupy: the CLI bundled into one file (fast start,
// no runtime dependency on the prompt library) and the templates, shared runtime and
// prebuilt launchers copied from the monorepo into assets/, which is what `npm pack` ships.
import { build } from 'esbuild'
import { cpSync, existsSync, rmSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { templateFolders } from './src/templates.js'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..')
const assets = join(here, 'assets')

const skipped = new Set(['node_modules', 'dist', '.DS_Store', 'target'])
const copyTree = (from: string, to: string): void =>
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !relative(from, src).split(sep).some((part) => skipped.has(part)),
  })

await build({
  entryPoints: [join(here, 'src/index.ts')],
  outfile: join(here, 'dist/index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
})

rmSync(assets, { recursive: true, force: true })
for (const folder of templateFolders) copyTree(join(repo, folder), join(assets, folder))
copyTree(join(repo, 'scripts'), join(assets, 'taupy'))
// The docs travel with every app (taupy/docs/), so its README's links work offline.
copyTree(join(repo, 'docs'), join(assets, 'taupy/docs'))
const prebuilt = join(repo, 'launcher/prebuilt')
if (existsSync(prebuilt)) {
  copyTree(prebuilt, join(assets, 'taupy/launcher'))
  rmSync(join(assets, 'taupy/launcher/SOURCES.sha256'), { force: true })
}
