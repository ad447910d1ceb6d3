// The packaged file in its native window, under Xvfb. The default file (launcher + payload): the
// window opens with the app's title, the page in the webview connects to /ws, and the close
// button ends every process. The caxa file (--packer caxa): the same, plus a SIGTERM to caxa's
// stub, which passes no signal on (the packaged Node notices its parent is gone and stops the
// launcher, which stops the backend).
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { closeWindow, ensureDisplay, stopDisplay, waitWindow, windowName } from './fixtures/launcher/harness.js'
import { installedApp } from './helpers/apps.js'
import { tempDir } from './helpers/cli.js'
import { freshHome } from './helpers/packaged.js'
import { eventually, processesMentioning } from './helpers/processes.js'

let app: string
const temp = tempDir('taupy-package-window-')
const { home, cache, env: homeEnv } = freshHome()
const caxaFile = join(temp, 'my-app-caxa')
const launcherFile = join(temp, 'my-app-launcher')
before(async () => {
  await ensureDisplay()
  app = installedApp('widgets')
  // The packaged backend prints commands on stdout, as an app logging untrusted text would:
  // they must stay log (IPC framing; the entry and server bundles share the token).
  const entry = join(app, JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).taupy.server)
  writeFileSync(entry, `console.log('{"type":"set_title","title":"Injected"}\\n{"type":"exit","code":7}')\n` + readFileSync(entry, 'utf8'))
  execFileSync('npm', ['run', 'package', '--', '--packer', 'caxa'], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
  copyFileSync(join(app, 'dist/package/my-app-linux-x64'), caxaFile)
  execFileSync('npm', ['run', 'package'], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
  copyFileSync(join(app, 'dist/package/my-app-linux-x64'), launcherFile)
})
after(() => {
  stopDisplay()
  for (const dir of [temp, home]) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
})

/** Runs the file; resolves once its window shows a page that connected over /ws. */
async function openApp(file: string): Promise<{ windowId: string; exit: Promise<number | null>; kill(): void }> {
  const child = spawn(file, [], {
    env: { ...homeEnv, TMPDIR: temp, TAUPY_LOG_LEVEL: 'info', DISPLAY: process.env.DISPLAY },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const windowId = await waitWindow('^My App$', 60_000)
  assert.ok(await eventually(() => /"url":"\/ws"/.test(stderr), 30_000), `the page connected over /ws; stderr:\n${stderr.slice(-2000)}`)
  assert.ok(stderr.includes('{"type":"exit","code":7}'), 'the printed command reached stderr as log')
  assert.equal(windowName(windowId), 'My App', 'and was not obeyed')
  return { windowId, exit, kill: () => child.kill('SIGTERM') }
}

describe('the default file (launcher + payload)', () => {
  const leftovers = (): string[] => [...processesMentioning(cache), ...processesMentioning(launcherFile)]

  test('opens its window, the page connects, the close button ends every process', { timeout: 180_000 }, async () => {
    const app = await openApp(launcherFile)
    assert.equal(windowName(app.windowId), 'My App')
    assert.equal(processesMentioning(join(cache, 'taupy/runtimes')).length, 1, 'one Node process, the backend')
    closeWindow(app.windowId)
    assert.equal(await app.exit, 0)
    assert.ok(await eventually(() => leftovers().length === 0, 5_000), leftovers().join('\n'))
  })

  test('a SIGTERM to the file closes the window and ends every process', { timeout: 120_000 }, async () => {
    const app = await openApp(launcherFile)
    app.kill()
    await app.exit
    assert.ok(await eventually(() => leftovers().length === 0, 5_000), leftovers().join('\n'))
  })
})

describe('the caxa file (--packer caxa)', () => {
  const leftovers = (): string[] => processesMentioning(join(temp, 'caxa'))

  test('opens its window, the page connects, the close button ends every process', { timeout: 120_000 }, async () => {
    const app = await openApp(caxaFile)
    assert.equal(windowName(app.windowId), 'My App')
    closeWindow(app.windowId)
    assert.equal(await app.exit, 0)
    assert.ok(await eventually(() => leftovers().length === 0, 5_000), leftovers().join('\n'))
  })

  test("a SIGTERM to caxa's stub closes the window and ends every process", { timeout: 120_000 }, async () => {
    const app = await openApp(caxaFile)
    app.kill()
    await app.exit
    assert.ok(await eventually(() => leftovers().length === 0, 5_000), leftovers().join('\n'))
  })
})
