// Scaffolded and installed apps, shared by the test files of one run: `npm install` is the
// slow part, so each template is installed once per version of its sources and then copied.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot, runCli, tempDir } from './cli.js'

function hashTree(dir: string, hash = createHash('sha256')): ReturnType<typeof createHash> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) hashTree(path, hash.update(name))
    else hash.update(name).update(readFileSync(path))
  }
  return hash
}

/** A scaffolded app with node_modules installed, in a fresh folder the caller may change. */
export function installedApp(template: string): string {
  const assets = join(repoRoot, 'create-taupy/assets')
  const key = hashTree(join(assets, `template-${template}`), hashTree(join(assets, 'taupy'))).digest('hex').slice(0, 12)
  const cached = join(tmpdir(), 'taupy-test-apps', `${template}-${key}`)
  if (!existsSync(cached)) {
    const staging = tempDir(`taupy-${template}-staging-`)
    const app = join(staging, 'my-app')
    const result = runCli([app, '--template', template], staging)
    if (result.status !== 0) throw new Error(result.stderr)
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit', timeout: 300_000 })
    rmSync(cached, { recursive: true, force: true })
    cpSync(app, cached, { recursive: true, verbatimSymlinks: true })
  }
  const copy = join(tempDir(`taupy-${template}-`), 'my-app')
  cpSync(cached, copy, { recursive: true, verbatimSymlinks: true })
  return copy
}
