// A generated app on the newest Node LTS, the top of the supported range (package.json "engines"),
// while the rest of the suite runs on the machine's Node. One template keeps the added CI time
// small: lit has the most to install (Vite, the Lit lint plugin) and the whole SPA layer.
// TAUPY_TEST_NODE=22.x.y (or `lts`) and TAUPY_TEST_TEMPLATE=widgets|react|lit pick others.
// The official binary comes from the registry's node-<os>-<arch> package, as `taupy package`
// fetches it (scripts/cli/package-node.ts), and is cached in node_modules/.cache.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { before, describe, test } from 'node:test'
import { resolveNode } from '../scripts/cli/package-node.js'
import { hostTarget } from '../scripts/cli/package-target.js'
import { cliBin, repoRoot, tempDir, userEnv } from './helpers/cli.js'

const template = process.env.TAUPY_TEST_TEMPLATE ?? 'lit'
const wanted = process.env.TAUPY_TEST_NODE ?? 'lts'

describe(`a ${template} app on Node ${wanted}`, { timeout: 900_000 }, () => {
  let env: NodeJS.ProcessEnv
  let version: string
  const app = join(tempDir(`taupy-node-${template}-`), 'my-app')

  /** Runs a command with that Node first on PATH (npm's own shebang finds it there too). */
  const run = (command: string, args: string[], cwd = app) => {
    const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000 })
    return { status: result.status, output: `${result.stdout}${result.stderr}` }
  }

  before(async () => {
    const node = await resolveNode(repoRoot, hostTarget(), wanted)
    version = node.version
    env = userEnv({ PATH: `${dirname(node.binary)}:${process.env.PATH}` })
    assert.equal(run('node', ['--version'], repoRoot).output.trim(), `v${version}`)
  })

  test('scaffolds and installs without a single npm warning', () => {
    const scaffold = run('node', [cliBin, app, '--template', template], dirname(app))
    assert.equal(scaffold.status, 0, scaffold.output)
    assert.doesNotMatch(scaffold.output, /warn/i)
    const install = run('npm', ['install', '--no-audit', '--no-fund'])
    assert.equal(install.status, 0, install.output)
    assert.doesNotMatch(install.output, /warn|deprecated/i, `npm install on Node ${version} warns`)
  })

  test('npm run lint finds nothing', () => {
    const lint = run('npm', ['run', 'lint'])
    assert.equal(lint.status, 0, lint.output)
    assert.match(lint.output, /Found 0 warnings and 0 errors/)
  })

  test('passes its own npm test', () => {
    const result = run('npm', ['test'])
    assert.equal(result.status, 0, result.output)
    assert.match(result.output, /[#ℹ] pass [1-9]\d*\n[#ℹ] fail 0\n/, 'the end-to-end tests ran')
    assert.doesNotMatch(result.output, /\bwarn(ing)?\b/i, `npm test on Node ${version} warns`)
  })
})
