// The scaffolder in a real terminal (tmux), as a person uses it: type a name, pick a template
// with the arrow keys, or press Ctrl-C and find nothing written.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { cliBin, tempDir } from './helpers/cli.js'

const session = `taupy-test-${process.pid}`
const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' })
const screen = (): string => tmux('capture-pane', '-p', '-t', session)

async function waitForScreen(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = screen()
    if (pattern.test(text)) return text
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function startCli(cwd: string, args = ''): void {
  // The shell stays after the CLI ends, so its exit status and last output can be read.
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', cwd)
  tmux('send-keys', '-t', session, `node ${cliBin} ${args}; echo "exit=$?"`, 'Enter')
}
after(() => {
  try {
    tmux('kill-session', '-t', session)
  } catch {}
})

test('prompts for a name and a template, then scaffolds', async () => {
  const cwd = tempDir()
  startCli(cwd)
  await waitForScreen(/Project name:/)
  tmux('send-keys', '-t', session, 'cool-app', 'Enter')
  const menu = await waitForScreen(/Select a UI template:/)
  assert.match(menu, /Widgets.*server-side TypeScript widgets/)
  tmux('send-keys', '-t', session, 'Down', 'Enter')
  // As create-vite: then the variant; the first one keeps the demo.
  const variants = await waitForScreen(/Select a variant:/)
  assert.match(variants, /React, with the demo[\s\S]*React, blank/)
  tmux('send-keys', '-t', session, 'Enter')
  await waitForScreen(/exit=0/)
  const pkg = JSON.parse(readFileSync(join(cwd, 'cool-app/package.json'), 'utf8'))
  assert.equal(pkg.name, 'cool-app')
  assert.equal(pkg.taupy.vite, true, 'the second choice is React, a Vite template')
  assert.ok(existsSync(join(cwd, 'cool-app/src/components/TodoList.tsx')), 'with the demo')
  tmux('kill-session', '-t', session)
})

test('the second prompt offers the blank variant: the template without its demo', async () => {
  const cwd = tempDir()
  startCli(cwd, 'plain-app')
  await waitForScreen(/Select a UI template:/)
  tmux('send-keys', '-t', session, 'Enter')
  await waitForScreen(/Select a variant:/)
  tmux('send-keys', '-t', session, 'Down', 'Enter')
  await waitForScreen(/Widgets, blank template[\s\S]*exit=0/)
  assert.ok(existsSync(join(cwd, 'plain-app/src/pages/home.ts')))
  assert.equal(existsSync(join(cwd, 'plain-app/src/components')), false, 'no demo components')
  tmux('kill-session', '-t', session)
})

test('asks for a valid package name when the folder name is not one', async () => {
  const cwd = tempDir()
  startCli(cwd, '"Cool App" -t widgets')
  await waitForScreen(/Package name:/)
  tmux('send-keys', '-t', session, 'Enter')
  await waitForScreen(/exit=0/)
  assert.equal(JSON.parse(readFileSync(join(cwd, 'Cool App/package.json'), 'utf8')).name, 'cool-app')
  tmux('kill-session', '-t', session)
})

test('a non-empty folder needs a yes; the default answer writes nothing', async () => {
  const cwd = tempDir()
  mkdirSync(join(cwd, 'app'))
  writeFileSync(join(cwd, 'app/keep.txt'), 'mine')
  startCli(cwd, 'app -t lit')
  await waitForScreen(/not empty/)
  tmux('send-keys', '-t', session, 'Enter')
  await waitForScreen(/exit=1/)
  assert.deepEqual(readdirSync(join(cwd, 'app')), ['keep.txt'])
  tmux('kill-session', '-t', session)
})

test('Ctrl-C at a prompt cancels and writes nothing', async () => {
  const cwd = tempDir()
  startCli(cwd)
  await waitForScreen(/Project name:/)
  tmux('send-keys', '-t', session, 'C-c')
  await waitForScreen(/Cancelled: nothing was written[\s\S]*exit=1/)
  assert.equal(existsSync(join(cwd, 'taupy-app')), false)
  assert.deepEqual(readdirSync(cwd), [])
  tmux('kill-session', '-t', session)
})

for (const [args, heading] of [
  ['app --template', /Select a UI template:/],
  ['app --template vue', /"vue" is not a template\. Select a UI template:/],
] as const) {
  test(`${args.slice(4)} asks for the template, as create-vite does`, async () => {
    const cwd = tempDir()
    startCli(cwd, args)
    const menu = await waitForScreen(heading)
    assert.match(menu, /Lit/)
    tmux('send-keys', '-t', session, 'Up', 'Enter')
    await waitForScreen(/Select a variant:/)
    tmux('send-keys', '-t', session, 'Enter')
    await waitForScreen(/exit=0/)
    const pkg = JSON.parse(readFileSync(join(cwd, 'app/package.json'), 'utf8'))
    assert.ok(pkg.dependencies.lit, 'Up from the first choice wraps to the last one, Lit')
    tmux('kill-session', '-t', session)
  })
}
