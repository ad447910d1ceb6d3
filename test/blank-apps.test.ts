// The blank variants (`--template widgets-blank`, `react-blank`, `lit-blank`): the way out of
// the demo. Each is scaffolded and installed as a user would, keeps none of the demo, lints
// clean and passes its own npm test (type check, lint, build, its end-to-end test with the
// stand-in window).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { templates } from '../create-taupy/src/templates.js'
import { runCli, tempDir, userEnv } from './helpers/cli.js'

const blanks = templates.filter((template) => template.variantOf)

test('every template with a demo has a blank variant', () => {
  const main = templates.filter((template) => !template.variantOf).map((template) => template.name)
  assert.deepEqual(blanks.map((template) => template.variantOf), main)
  assert.deepEqual(blanks.map((template) => template.name), main.map((name) => `${name}-blank`))
})

/** The app's own sources (not the taupy runtime, not node_modules). */
function appSources(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const rel = path.slice(root.length + 1)
    if (['node_modules', 'taupy', 'dist', '.github'].includes(rel)) return []
    return statSync(path).isDirectory() ? appSources(path, root) : [rel]
  })
}

for (const { name } of blanks) {
  describe(`${name} app`, { timeout: 600_000 }, () => {
    const app = join(tempDir(`taupy-${name}-`), 'my-app')

    test('scaffolds without any of the demo, and installs', { timeout: 300_000 }, () => {
      const result = runCli([app, '--template', name], join(app, '..'))
      assert.equal(result.status, 0, result.stderr)
      const sources = appSources(app).filter((path) => /\.(ts|tsx|md)$/.test(path))
      assert.deepEqual(sources.filter((path) => /components\/|pages\/(?!home\.ts)|signup|router|navigation|dev\.test|notes\.ts|extras|lifecycle/.test(path)), [], 'no demo files')
      for (const path of sources.filter((path) => !path.endsWith('.md'))) {
        assert.doesNotMatch(readFileSync(join(app, path), 'utf8'), /todo|sign ?up|TodoList/i, `${path} mentions the demo`)
      }
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit', timeout: 300_000 })
    })

    test('npm run lint finds nothing', () => {
      const output = execFileSync('npm', ['run', 'lint'], { cwd: app, encoding: 'utf8', timeout: 60_000 })
      assert.match(output, /Found 0 warnings and 0 errors/)
    })

    test('passes its own npm test', { timeout: 300_000 }, () => {
      const output = execFileSync('npm', ['test'], { cwd: app, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 })
      assert.match(output, /[#ℹ] pass [1-9]\d*\n[#ℹ] fail 0\n/, `the app's end-to-end test ran:\n${output}`)
    })
  })
}
