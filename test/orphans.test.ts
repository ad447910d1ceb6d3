// Nothing taupy starts outlives the process that started it, however that one ends. An IDE's
// stop button sends SIGTERM to npm, which does not pass it on; a crash or `kill -9` passes
// nothing at all. For each way in, each way out: within a second, no process of the
// app's process group is left (Vite, esbuild, the backend, the supervisor, the launcher).
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ensureDisplay, stopDisplay, waitWindow } from './fixtures/launcher/harness.js'
import { installedApp } from './helpers/apps.js'
import { tempDir } from './helpers/cli.js'
import { commandLine, eventually, groupMembers } from './helpers/processes.js'

/** Live processes of a process group, as `pid: command line`. */
const described = (pgid: number): string[] => groupMembers(pgid).map((pid) => `${pid}: ${commandLine(pid)}`)

const pidOf = (pgid: number, text: string): number | undefined => groupMembers(pgid).find((pid) => commandLine(pid).includes(text))

let app: string
const bin = join(tempDir('taupy-orphans-'), 'bin')
const opened = join(bin, '..', 'opened.txt')

before(async () => {
  app = installedApp('widgets')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" >> "${opened}"\n`)
  chmodSync(join(bin, 'xdg-open'), 0o755)
})

interface Run {
  child: ChildProcess
  stderr(): string
}

function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn('npm', ['run', script, '--', ...args], {
    cwd: app,
    detached: true,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdout!.resume()
  return { child, stderr: () => stderr }
}

/** Kills `victim` with `signal`; everything else in the group must be gone within 1 s. */
async function assertNothingOutlives(run: Run, victim: number, signal: NodeJS.Signals): Promise<void> {
  const pgid = run.child.pid!
  try {
    const killedAt = performance.now()
    process.kill(victim, signal)
    const gone = await eventually(() => groupMembers(pgid).length === 0, 1000)
    if (gone) console.log(`# all gone ${Math.round(performance.now() - killedAt)} ms after ${signal}`)
    assert.ok(gone, `still running 1 s after ${signal} to ${victim}:\n${described(pgid).join('\n')}\nstderr:\n${run.stderr().slice(-2000)}`)
  } finally {
    for (const pid of groupMembers(pgid)) process.kill(pid, 'SIGKILL')
  }
}

async function readyInBrowser(run: Run): Promise<void> {
  const before = existsSync(opened) ? readFileSync(opened, 'utf8').length : 0
  const ok = await eventually(() => existsSync(opened) && readFileSync(opened, 'utf8').length > before, 60_000)
  assert.ok(ok, `the browser was never opened; stderr:\n${run.stderr()}`)
  await new Promise((resolve) => setTimeout(resolve, 300))
}

async function readyHeadless(run: Run): Promise<void> {
  assert.ok(await eventually(() => /is at http|"type":"ready"/.test(run.stderr()) || pidOf(run.child.pid!, 'server.mjs') !== undefined, 60_000), run.stderr())
  await new Promise((resolve) => setTimeout(resolve, 500))
}

describe('browser and headless modes', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`npm run dev -- --browser: ${signal} to npm ends taupy dev, esbuild and the backend`, { timeout: 90_000 }, async () => {
      const run = npmRun('dev', ['--browser'], { DISPLAY: ':99' })
      await readyInBrowser(run)
      await assertNothingOutlives(run, run.child.pid!, signal)
    })
  }

  test('npm run dev -- --browser: SIGKILL to the supervisor ends esbuild and the backend', { timeout: 90_000 }, async () => {
    const run = npmRun('dev', ['--browser'], { DISPLAY: ':99' })
    await readyInBrowser(run)
    const supervisor = pidOf(run.child.pid!, 'taupy.mjs dev')
    assert.ok(supervisor, described(run.child.pid!).join('\n'))
    process.kill(run.child.pid!, 'SIGKILL') // npm too, so that only orphans remain to look at
    await assertNothingOutlives(run, supervisor, 'SIGKILL')
  })

  for (const mode of ['--no-window', '--browser'] as const) {
    test(`npm start -- ${mode}: SIGKILL to taupy start ends the backend`, { timeout: 90_000 }, async () => {
      const run = npmRun('start', [mode], { DISPLAY: ':99' })
      await (mode === '--browser' ? readyInBrowser(run) : readyHeadless(run))
      const start = pidOf(run.child.pid!, 'taupy.mjs start')
      assert.ok(start, described(run.child.pid!).join('\n'))
      process.kill(run.child.pid!, 'SIGKILL')
      await assertNothingOutlives(run, start, 'SIGKILL')
    })
  }
})

describe('the native window (Xvfb)', () => {
  before(() => ensureDisplay())
  after(() => stopDisplay())

  for (const [script, signal] of [['dev', 'SIGTERM'], ['dev', 'SIGKILL'], ['start', 'SIGTERM']] as const) {
    test(`npm run ${script}: ${signal} to npm closes the window and ends every process`, { timeout: 120_000 }, async () => {
      const run = npmRun(script, [])
      await waitWindow('^My App$', 60_000)
      await assertNothingOutlives(run, run.child.pid!, signal)
    })
  }

  test('npm run dev: SIGKILL to taupy dev closes the window and ends every process', { timeout: 120_000 }, async () => {
    const run = npmRun('dev', [])
    await waitWindow('^My App$', 60_000)
    const dev = pidOf(run.child.pid!, 'taupy.mjs dev')
    assert.ok(dev)
    process.kill(run.child.pid!, 'SIGKILL')
    await assertNothingOutlives(run, dev, 'SIGKILL')
  })
})
