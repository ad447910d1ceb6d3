// More windows as a new user meets them (issue 15.6): a scaffolded widgets app in its native
// window under Xvfb, `npm start`. Its demo's "Open About" opens a second native window on its own
// page; each window's page has its own widgets session, so a counter clicked in one leaves the
// other's alone. Closing the About window (WM_DELETE_WINDOW, as a window manager's close button)
// closes only it and the app runs on; closing the main one ends the app and every process.
// The pages are driven from the app's backend with the launcher's `eval`
// (test/fixtures/multiwindow-driver.ts, copied into the app).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { alive, closeWindow, ensureDisplay, findWindows, have, stopDisplay, waitWindow, windowName } from './fixtures/launcher/harness.js'
import { installedApp } from './helpers/apps.js'
import { eventually, groupMembers } from './helpers/processes.js'

const runnable = process.platform === 'linux' && have('Xvfb') && have('xdotool')
let app: string
before(async () => {
  if (!runnable) return
  await ensureDisplay()
  app = installedApp('widgets')
  const driver = readFileSync(join(import.meta.dirname, 'fixtures/multiwindow-driver.ts'), 'utf8').replace('../../scripts/ipc/index.js', '../taupy/ipc/index.js')
  writeFileSync(join(app, 'src/e2e-driver.ts'), driver)
  const entry = join(app, 'src/main.ts')
  writeFileSync(entry, readFileSync(entry, 'utf8') + "import './e2e-driver.js'\n")
})
after(() => stopDisplay())

/** `npm <script>` in the app, in its own process group; `step(name, nth)` waits for the driver's nth report of a step. */
function run(script: string) {
  const child = spawn('npm', ['run', script], { cwd: app, detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // Its exit code, or 'still running' after 20 s (a window that should have ended the app).
  const exit = () => Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000).unref())])
  const steps = () => stderr.split('\n').filter((line) => line.startsWith('E2E ')).map((line) => JSON.parse(line.slice(4)) as Record<string, unknown>)
  const step = async (name: string, nth = 1, timeoutMs = 60_000): Promise<Record<string, unknown>> => {
    const failed = () => steps().find((s) => s.step === 'failed')
    const hits = () => steps().filter((s) => s.step === name)
    assert.ok(await eventually(() => hits().length >= nth || failed() !== undefined, timeoutMs), `no step "${name}" (#${nth}); stderr:\n${stderr.slice(-3000)}`)
    assert.equal(failed(), undefined, `the driver failed: ${String(failed()?.message)}\nstderr:\n${stderr.slice(-3000)}`)
    return hits()[nth - 1]!
  }
  return { child, exit, step, stderr: () => stderr }
}

test('npm start: "Open About" opens a second window with its own session; closing it leaves the app running, closing main ends it all', { skip: !runnable && 'needs Linux, Xvfb and xdotool', timeout: 180_000 }, async () => {
  const { child, exit, step } = run('start')
  try {
    const main = await waitWindow('^My App$', 60_000)
    const counted = await step('counted')
    assert.deepEqual(counted, { step: 'counted', main: '1', about: '2', windows: ['main', 'about'] }, 'each window counts on its own')
    const [about, ...more] = findWindows('^About My App$')
    assert.ok(about && more.length === 0, 'one native About window')
    assert.equal(windowName(main), 'My App')

    closeWindow(about)
    const closed = await step('about closed', 1, 15_000)
    assert.deepEqual(closed, { step: 'about closed', windows: ['main'], mainCount: '1' }, "main's button says Open About again, its counter is as it was")
    assert.ok(await eventually(() => findWindows('^About My App$').length === 0, 5000), 'the About window is gone')
    assert.deepEqual(findWindows('^My App$'), [main], 'main stays')
    assert.ok(alive(child.pid!), 'the app runs on')

    closeWindow(main)
    assert.equal(await exit(), 0)
    assert.ok(await eventually(() => groupMembers(child.pid!).length === 0, 2000), `no process of the app is left: ${groupMembers(child.pid!).join(', ')}`)
  } finally {
    for (const pid of groupMembers(child.pid!)) process.kill(pid, 'SIGKILL')
  }
})

test('npm run dev: a backend restart closes the windows the old backend opened, and the new one opens its own', { skip: !runnable && 'needs Linux, Xvfb and xdotool', timeout: 180_000 }, async () => {
  const { child, exit, step, stderr } = run('dev')
  const entry = join(app, 'src/main.ts')
  const source = readFileSync(entry, 'utf8')
  try {
    const main = await waitWindow('^My App$', 60_000)
    await step('counted')
    const [first] = findWindows('^About My App$')
    assert.ok(first, 'the About window is open')
    writeFileSync(entry, source + '\n// edited\n')
    // The restarted backend starts with main only: the old About closes, so the new backend's
    // driver (the page reloads on the new build) can open About again, under the same id.
    const again = await step('counted', 2, 45_000)
    assert.deepEqual(again, { step: 'counted', main: '1', about: '2', windows: ['main', 'about'] }, stderr().slice(-2000))
    const about = findWindows('^About My App$')
    assert.equal(about.length, 1, 'one About window, not two')
    assert.notEqual(about[0], first, 'a new one')
    assert.deepEqual(findWindows('^My App$'), [main], 'main stayed open across the restart')
    // Main is not the last window: it closes and the app runs on in About; closing About, the
    // last one, ends the app.
    closeWindow(main)
    assert.ok(await eventually(() => findWindows('^My App$').length === 0, 5000), 'main closed')
    assert.ok(alive(child.pid!), 'the app runs on in About')
    closeWindow(about[0]!)
    assert.equal(await exit(), 0)
    assert.ok(await eventually(() => groupMembers(child.pid!).length === 0, 2000), `no process of the app is left: ${groupMembers(child.pid!).join(', ')}`)
  } finally {
    writeFileSync(entry, source)
    for (const pid of groupMembers(child.pid!)) process.kill(pid, 'SIGKILL')
  }
})
