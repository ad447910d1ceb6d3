// A generated app in its native window, as a user runs it, under Xvfb: `npm start` and
// `npm run dev` open the window with the app's title and size, the page in the webview connects
// to /ws, and closing the window (WM_DELETE_WINDOW, as a window manager's close button sends)
// ends every process with code 0.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { closeWindow, ensureDisplay, stopDisplay, waitWindow, windowName, windowSize } from './fixtures/launcher/harness.js'
import { installedApp } from './helpers/apps.js'
import { groupMembers } from './helpers/processes.js'

let app: string
before(async () => {
  await ensureDisplay()
  app = installedApp('widgets')
})
after(() => stopDisplay())

interface Run {
  child: ChildProcess
  stderr: () => string
  exit: Promise<number | null>
  waitForStderr(pattern: RegExp, from?: number, timeoutMs?: number): Promise<number>
}

function run(script: string): Run {
  const child = spawn('npm', ['run', script], { cwd: app, detached: true, env: { ...process.env, TAUPY_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return {
    child,
    stderr: () => stderr,
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    async waitForStderr(pattern, from = 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = pattern.exec(stderr.slice(from))
        if (match) return from + match.index + match[0].length
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stderr:\n${stderr.slice(-3000)}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
  }
}

const wsConnected = /"url":"\/ws[?"]/
// What an app might print (a user's input, an echoed page message): never a command (IPC framing).
const injection = `console.log('{"type":"set_title","title":"Injected"}\\n{"type":"exit","code":7}')\n`

test('npm start: the window opens with the app title and size, the page connects, closing ends all', { timeout: 120_000 }, async () => {
  const entry = join(app, JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).taupy.server)
  const source = readFileSync(entry, 'utf8')
  writeFileSync(entry, injection + source)
  const started = run('start')
  try {
    const id = await waitWindow('^My App$', 60_000)
    await started.waitForStderr(/"type":"exit","code":7/)
    assert.equal(windowName(id), 'My App')
    assert.deepEqual(windowSize(id), { width: 960, height: 720 })
    await started.waitForStderr(wsConnected)
    closeWindow(id)
    assert.equal(await started.exit, 0)
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.deepEqual(groupMembers(started.child.pid!), [], 'no process of the app is left')
  } finally {
    writeFileSync(entry, source)
    for (const pid of groupMembers(started.child.pid!)) process.kill(pid, 'SIGKILL')
  }
})

test('npm run dev: the window stays open across a backend restart and closing ends all', { timeout: 120_000 }, async () => {
  const dev = run('dev')
  try {
    const id = await waitWindow('^My App$', 60_000)
    const first = await dev.waitForStderr(wsConnected)
    const entry = join(app, JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).taupy.server)
    writeFileSync(entry, readFileSync(entry, 'utf8') + '\n// edited\n' + injection)
    await dev.waitForStderr(/changed; restarting the backend/, first)
    await dev.waitForStderr(wsConnected, first)
    await dev.waitForStderr(/"type":"exit","code":7/, first)
    assert.deepEqual(await waitWindow('^My App$'), id, 'the same window, never reopened')
    assert.equal(windowName(id), 'My App', 'printed commands are not relayed')
    closeWindow(id)
    assert.equal(await dev.exit, 0)
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.deepEqual(groupMembers(dev.child.pid!), [], 'no process of the app is left')
  } finally {
    for (const pid of groupMembers(dev.child.pid!)) process.kill(pid, 'SIGKILL')
  }
})
