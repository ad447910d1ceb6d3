// create-taupy in its published shape: `npm pack`, install the tarball into an empty folder,
// run its bin. Catches files missing from "files" and anything that only works in the monorepo.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { templates } from '../create-taupy/src/templates.js'
import { repoRoot, tempDir } from './helpers/cli.js'

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 180_000 })

test('the packed tarball installs and scaffolds every template', { timeout: 300_000 }, () => {
  const packDir = tempDir('taupy-pack-')
  const output = npm(['pack', '--json', '--pack-destination', packDir], join(repoRoot, 'create-taupy'))
  const [{ filename, files }] = JSON.parse(output.slice(output.indexOf('['))) as [{ filename: string; files: { path: string }[] }]
  const paths = files.map((file) => file.path)
  assert.ok(paths.includes('dist/index.mjs'))
  assert.ok(paths.some((path) => path.startsWith('assets/taupy/server/')))
  assert.ok(!paths.some((path) => path.includes('node_modules')), 'no node_modules in the tarball')

  const consumer = tempDir('taupy-consumer-')
  writeFileSync(join(consumer, 'package.json'), '{"name":"consumer","private":true}')
  npm(['install', join(packDir, filename)], consumer)
  for (const { name: template } of templates) {
    const result = spawnSync(join(consumer, 'node_modules/.bin/create-taupy'), [`app-${template}`, '--template', template], {
      cwd: consumer,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    assert.equal(result.status, 0, result.stderr)
    const app = join(consumer, `app-${template}`)
    assert.equal(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).name, `app-${template}`)
    assert.ok(existsSync(join(app, '.gitignore')))
    assert.ok(existsSync(join(app, 'taupy/server/index.ts')))
  }
})
