// Whether the build outputs are older than any source: `taupy start` rebuilds only then.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'launcher') continue
    newest = Math.max(newest, newestMtime(join(path, entry.name)))
  }
  return newest
}

export function isStale(appDir: string, outputs: readonly string[], inputs: readonly string[]): boolean {
  if (!outputs.every((output) => existsSync(output))) return true
  const oldestOutput = Math.min(...outputs.map((output) => statSync(output).mtimeMs))
  return inputs.some((input) => newestMtime(join(appDir, input)) > oldestOutput)
}
