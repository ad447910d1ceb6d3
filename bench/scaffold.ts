// Scaffolding time: create-taupy against create-vite's own run, both non-interactive, both
// writing a React + TypeScript project, each run into a fresh folder.
import { join } from 'node:path'
import { repoRoot, tempDir } from '../test/helpers/cli.js'
import { median, timeCommand } from './measure.js'
import type { Bench } from './types.js'

const runs = 15

const bench: Bench = async () => {
  const ours: number[] = []
  const theirs: number[] = []
  const createVite = join(repoRoot, 'node_modules/create-vite/index.js')
  const createTaupy = join(repoRoot, 'create-taupy/index.js')
  for (let i = 0; i < runs; i++) {
    theirs.push(timeCommand([process.execPath, createVite, 'app', '--template', 'react-ts', '--no-interactive', '--no-immediate'], tempDir('bench-vite-')))
    ours.push(timeCommand([process.execPath, createTaupy, 'app', '--template', 'react', '--yes'], tempDir('bench-taupy-')))
  }
  const widgets = Array.from({ length: runs }, () =>
    timeCommand([process.execPath, createTaupy, 'app', '--template', 'widgets', '--yes'], tempDir('bench-taupy-')),
  )
  return [
    { group: 'scaffold', metric: 'react template, median of 15', unit: 'ms', ours: median(ours), baselineName: 'create-vite react-ts', baseline: median(theirs) },
    { group: 'scaffold', metric: 'widgets template, median of 15', unit: 'ms', ours: median(widgets), baselineName: 'create-vite react-ts', baseline: median(theirs) },
  ]
}
export default bench
