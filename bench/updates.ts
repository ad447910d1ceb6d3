// Self-updates (docs/updates.md): the bytes an app-only update of a one-text change downloads,
// against the full file; and the first start of the new version after "downloaded" (extracting
// the staged payload, the trial watch) against a normal later start of the same version.
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { UpdateManifest } from '../scripts/updates/manifest.js'
import { installedApp } from '../test/helpers/apps.js'
import { tempDir } from '../test/helpers/cli.js'
import { freshHome, startNoWindow } from '../test/helpers/packaged.js'
import { eventually } from '../test/helpers/processes.js'
import { releaseServer } from '../test/helpers/release-server.js'
import { median } from './measure.js'
import type { Bench, BenchRow } from './types.js'

const rounds = 3

const bench: Bench = async () => {
  const temp = tempDir('taupy-bench-updates-')
  const app = installedApp('widgets')
  const key = join(temp, 'key.pem')
  execFileSync('npm', ['run', 'keygen', '--', '--out', key], { cwd: app, stdio: 'ignore' })
  const release = (version: string): void => {
    const file = join(app, 'package.json')
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version }, null, 2))
    rmSync(join(app, 'dist/release'), { recursive: true, force: true })
    execFileSync('npm', ['run', 'package', '--', '--release'], { cwd: app, env: { ...process.env, TAUPY_SIGNING_KEY: key }, stdio: 'ignore', timeout: 300_000 })
    cpSync(join(app, 'dist/release'), join(temp, 'releases', version), { recursive: true })
  }
  release('1.0.0')
  const exe = join(temp, 'my-app-1.0.0')
  cpSync(join(app, 'dist/package/my-app-linux-x64'), exe)
  const text = join(app, 'src/components/window-title.ts')
  writeFileSync(text, readFileSync(text, 'utf8').replace("heading('Window title', 2)", "heading('Window title, updated', 2)"))
  release('1.0.1')
  const manifest = JSON.parse(readFileSync(join(temp, 'releases/1.0.1/update.json'), 'utf8')) as UpdateManifest
  const target = manifest.artifacts['linux-x64']!
  const server = await releaseServer(join(temp, 'releases'))
  const firstStarts: number[] = []
  const laterStarts: number[] = []
  let downloaded = 0
  try {
    for (let round = 0; round < rounds; round++) {
      const { home, env } = freshHome('taupy-bench-updates-home-')
      const updateEnv = { ...env, TAUPY_UPDATE_URL: `${server.base}/1.0.1/update.json`, TAUPY_UPDATE_DELAY_MS: '100' }
      const sentBefore = [...server.sent.values()].reduce((a, b) => a + b, 0)
      const old = await startNoWindow(exe, updateEnv)
      if (!(await eventually(() => old.stderr().includes('1.0.1 downloaded and verified'), 60_000))) throw new Error(`no update downloaded:\n${old.stderr()}`)
      await old.stop()
      downloaded = [...server.sent.values()].reduce((a, b) => a + b, 0) - sentBefore
      const first = await startNoWindow(exe, env)
      await first.stop()
      const later = await startNoWindow(exe, env)
      await later.stop()
      firstStarts.push(first.ms)
      laterStarts.push(later.ms)
      rmSync(home, { recursive: true, force: true })
    }
  } finally {
    await server.close()
    for (const dir of [temp, dirname(app)]) rmSync(dir, { recursive: true, force: true })
  }
  const rows: BenchRow[] = [
    { group: 'updates', metric: 'bytes downloaded, one-text change (manifest + app-only payload)', unit: 'B', ours: downloaded, baselineName: 'full file', baseline: target.full.size, note: 'goal ≤ 0.02×' },
    { group: 'updates', metric: 'first start of the new version after "downloaded" (median)', unit: 'ms', ours: median(firstStarts), baselineName: 'a later start', baseline: median(laterStarts), note: 'goal ≤ 1.5×; extraction of the staged app + trial watch' },
  ]
  return rows
}

export default bench
