// The scaffolder as a user meets it: flags, defaults, refusals, and what lands on disk.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, test } from 'node:test'
import { scaffoldedName } from '../create-taupy/src/project.js'
import { templates } from '../create-taupy/src/templates.js'
import { runCli, tempDir } from './helpers/cli.js'

const listTree = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort()

describe('create-taupy', () => {
  test('--help lists every template and the flags', () => {
    const { status, stdout } = runCli(['--help'], tempDir())
    assert.equal(status, 0)
    for (const word of ['widgets', 'react', 'lit', '--template', '--yes', '--force', '--version']) {
      assert.match(stdout, new RegExp(word))
    }
  })

  test('--version prints the package version', () => {
    const { status, stdout } = runCli(['--version'], tempDir())
    assert.equal(status, 0)
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+/)
  })

  for (const template of ['widgets', 'react', 'lit']) {
    test(`scaffolds the ${template} template non-interactively`, () => {
      const cwd = tempDir()
      const { status, stdout, stderr } = runCli(['my-app', '--template', template], cwd)
      assert.equal(status, 0, stderr)
      const app = join(cwd, 'my-app')
      const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))
      assert.equal(pkg.name, 'my-app')
      assert.equal(pkg.productName, 'My App')
      for (const script of ['dev', 'build', 'start', 'package', 'lint', 'test']) assert.ok(pkg.scripts[script], script)
      assert.equal(pkg.scripts.lint, 'oxlint', 'one linter for every template, as create-vite uses')
      assert.match(pkg.scripts.test, /oxlint --deny-warnings/, 'npm test lints')
      assert.ok(existsSync(join(app, '.oxlintrc.json')))
      assert.equal(pkg.engines.node, '^22.13.0 || >=24', 'the supported Node versions: 22 and 24 LTS')
      assert.deepEqual(pkg.allowScripts, { esbuild: false }, "esbuild's install script is not needed (npm 11 asks)")
      assert.ok(existsSync(join(app, '.gitignore')), '_gitignore is renamed')
      assert.ok(!existsSync(join(app, '_gitignore')))
      const ignored = readFileSync(join(app, '.gitignore'), 'utf8').split('\n')
      for (const pattern of ['node_modules', 'dist', '*.pem', '*.key']) assert.ok(ignored.includes(pattern), `.gitignore ignores ${pattern} (the update signing key's second fence)`)
      const workflow = readFileSync(join(app, '.github/workflows/package.yml'), 'utf8')
      assert.doesNotMatch(workflow, /merge-multiple/, 'release files and package files share names: never merged into one folder')
      assert.ok(existsSync(join(app, 'taupy/server/security.ts')), 'the shared core is copied in')
      assert.ok(existsSync(join(app, 'taupy/bin/taupy.mjs')))
      assert.ok(existsSync(join(app, '.github/workflows/package.yml')), 'the packaging workflow is where GitHub looks')
      const deps = { ...pkg.dependencies, ...pkg.devDependencies } as Record<string, string>
      for (const [name, range] of Object.entries(deps)) {
        assert.match(range, /^[~^]?\d/, `${name} must come from the public registry, got ${range}`)
      }
      assert.match(stdout, /cd my-app\n\s+npm install\n\s+npm run dev/)
    })
  }

  for (const base of templates.flatMap((t) => t.viteBase ?? [])) {
    test(`renames ${base}'s files exactly as create-vite's own CLI does`, () => {
      const createVite = dirname(createRequire(import.meta.url).resolve('create-vite/package.json'))
      const cwd = tempDir()
      const run = spawnSync(process.execPath, [join(createVite, 'index.js'), 'out', '--template', base, '--no-interactive', '--no-immediate'], {
        cwd,
        encoding: 'utf8',
      })
      assert.equal(run.status, 0, run.stderr)
      const ours = listTree(join(createVite, `template-${base}`)).map(scaffoldedName).sort()
      assert.deepEqual(ours, listTree(join(cwd, 'out')))
    })
  }

  test('no generated app keeps a file create-vite would have renamed', () => {
    const cwd = tempDir()
    for (const { name } of templates) {
      assert.equal(runCli([name, '-t', name], cwd).status, 0)
      const leftovers = listTree(join(cwd, name)).filter((path) => path !== scaffoldedName(path))
      assert.deepEqual(leftovers, [], `${name}: files create-vite writes as dotfiles`)
    }
    assert.ok(existsSync(join(cwd, 'react/.oxlintrc.json')), "react-ts's _oxlintrc.json")
  })

  for (const { name } of templates) {
    test(`the ${name} README is the app's: its name, and every path, link and command it shows exists`, () => {
      const cwd = tempDir()
      assert.equal(runCli(['notes-app', '-t', name], cwd).status, 0)
      const app = join(cwd, 'notes-app')
      const readme = readFileSync(join(app, 'README.md'), 'utf8')
      assert.match(readme, /^# Notes App\n/)
      for (const heading of ['## Start here', '## Commands', '## Package and release', '## Docs']) assert.ok(readme.includes(heading), heading)
      const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((match) => match[1]!)
      const paths = [...readme.matchAll(/`((?:src|server|shared|test|taupy|\.github)\/[\w./-]*|[\w-]+\.(?:json|ts|html))`/g)].map((match) => match[1]!)
      assert.ok(links.length >= 5 && paths.length >= 5)
      for (const path of [...links, ...paths].filter((path) => path !== 'package-lock.json')) assert.ok(existsSync(join(app, path)), `${path} does not exist in the app`)
      const scripts = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).scripts as Record<string, string>
      const commands = [...readme.matchAll(/`npm (?:run )?([\w:-]+)/g)].map((match) => match[1]!).filter((cmd) => !['install', 'ci'].includes(cmd))
      assert.ok(commands.includes('lint') && commands.includes('package'))
      for (const command of commands) assert.ok(scripts[command], `npm ${command} is not a script`)
    })
  }

  test('the printed cd is the absolute target as given, not a climb from the cwd', () => {
    const target = join(tempDir(), 'abs-app')
    const { status, stdout } = runCli([target, '-t', 'widgets'], tempDir())
    assert.equal(status, 0)
    assert.match(stdout, new RegExp(`\\n\\s+cd ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`))
  })

  test('ships only the runtime folders a template uses', () => {
    const cwd = tempDir()
    assert.equal(runCli(['w', '-t', 'widgets'], cwd).status, 0)
    assert.equal(runCli(['r', '-t', 'react'], cwd).status, 0)
    assert.ok(!existsSync(join(cwd, 'w/taupy/sync')))
    assert.ok(!existsSync(join(cwd, 'r/taupy/widgets')))
  })

  test('the next steps match the package manager that ran it', () => {
    const cwd = tempDir()
    const { stdout } = runCli(['app', '-t', 'widgets'], cwd, { npm_config_user_agent: 'pnpm/9.0.0 npm/? node/v20' })
    assert.match(stdout, /pnpm install\n\s+pnpm dev/)
  })

  test('defaults to the widgets template in taupy-app without a terminal', () => {
    const cwd = tempDir()
    const { status } = runCli([], cwd)
    assert.equal(status, 0)
    assert.ok(existsSync(join(cwd, 'taupy-app/src/main.ts')))
  })

  test('refuses an invalid package name and writes nothing', () => {
    const cwd = tempDir()
    const { status, stderr } = runCli(['My App', '-t', 'widgets'], cwd)
    assert.equal(status, 1)
    assert.match(stderr, /not a valid npm package name.*Try: my-app/)
    assert.deepEqual(readdirSync(cwd), [])
  })

  test('refuses an unknown template and writes nothing', () => {
    const cwd = tempDir()
    const { status, stderr } = runCli(['app', '--template', 'vue'], cwd)
    assert.equal(status, 1)
    assert.match(stderr, /Unknown template "vue"\. Choose one of: widgets, react, lit/)
    assert.deepEqual(readdirSync(cwd), [])
  })

  for (const args of [['app', '--template'], ['app', '-t', '--yes'], ['app', '--template=']]) {
    test(`refuses ${args.slice(1).join(' ')} without a template name and writes nothing`, () => {
      const cwd = tempDir()
      const { status, stderr } = runCli(args, cwd)
      assert.equal(status, 1)
      assert.match(stderr, /--template needs a name\. Choose one of: widgets, react, lit/)
      assert.deepEqual(readdirSync(cwd), [])
    })
  }

  test('refuses unknown flags with a pointer to --help', () => {
    const { status, stderr } = runCli(['app', '--tempalte', 'lit'], tempDir())
    assert.equal(status, 1)
    assert.match(stderr, /--help/)
  })

  test('refuses a non-empty directory without --force and leaves it untouched', () => {
    const cwd = tempDir()
    mkdirSync(join(cwd, 'app'))
    writeFileSync(join(cwd, 'app/notes.txt'), 'mine')
    const { status, stderr } = runCli(['app', '-t', 'widgets'], cwd)
    assert.equal(status, 1)
    assert.match(stderr, /not empty.*--force/s)
    assert.deepEqual(listTree(join(cwd, 'app')), ['notes.txt'])
  })

  test('--force keeps foreign files and lists the ones it replaced', () => {
    const cwd = tempDir()
    const app = join(cwd, 'app')
    mkdirSync(join(app, 'src'), { recursive: true })
    writeFileSync(join(app, 'notes.txt'), 'mine')
    writeFileSync(join(app, 'package.json'), '{"name":"old"}')
    const { status, stdout } = runCli(['app', '-t', 'widgets', '--force'], cwd)
    assert.equal(status, 0)
    assert.equal(readFileSync(join(app, 'notes.txt'), 'utf8'), 'mine')
    assert.match(stdout, /Replaced 1 existing file\(s\):\n\s+package\.json/)
    assert.equal(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).name, 'app')
  })

  test('a folder holding only .git counts as empty', () => {
    const cwd = tempDir()
    mkdirSync(join(cwd, 'app/.git'), { recursive: true })
    assert.equal(runCli(['app', '-t', 'widgets'], cwd).status, 0)
  })

  test('ships the prebuilt launchers, executable, without their build stamp', () => {
    const cwd = tempDir()
    runCli(['app', '-t', 'widgets'], cwd)
    const launchers = join(cwd, 'app/taupy/launcher')
    assert.deepEqual(listTree(launchers), ['linux-x64/taupy-launcher', 'win32-x64/taupy-launcher.exe'])
    assert.ok(statSync(join(launchers, 'linux-x64/taupy-launcher')).mode & 0o100)
  })
})
