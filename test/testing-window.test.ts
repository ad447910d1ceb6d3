// taupy/testing's stand-in window: an app test starts the backend with `window`, and win.* and
// dialog.* take their real paths over the real (framed) IPC protocol: dialogs answer as
// scripted, every command is recorded, close requests reach the app's listeners.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { build } from 'esbuild'
import { startApp, type RunningAppWithWindow } from '../scripts/testing/app.js'
import { eventually } from './helpers/processes.js'

let appDir: string
before(async () => {
  // What startApp runs: a built backend at dist/server.mjs, bundled as `taupy build` does.
  appDir = mkdtempSync(join(tmpdir(), 'taupy-window-app-'))
  await build({
    entryPoints: [new URL('./fixtures/window-app.ts', import.meta.url).pathname],
    outfile: join(appDir, 'dist/server.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  })
})
after(() => rmSync(appDir, { recursive: true, force: true }))

async function withApp(dialogs: NonNullable<Parameters<typeof startApp>[1]>['window'], body: (app: RunningAppWithWindow) => Promise<void>): Promise<void> {
  const app = await startApp(appDir, { window: dialogs ?? {} })
  try {
    await body(app)
  } finally {
    await app.stop()
  }
}
const page = (app: RunningAppWithWindow, data: string) => app.window.send({ type: 'page_message', data })

test('the app sees a window: its start-up title is recorded, printed look-alike commands are not', () =>
  withApp({}, async (app) => {
    await app.window.waitForTitle('Notes')
    // stderr is its own pipe: it may arrive after the command on stdout.
    assert.ok(await eventually(() => /window available: true/.test(app.stderr()), 5000), app.stderr())
    assert.deepEqual(app.window.sent('set_title').map((command) => command.title), ['Notes'])
  }))

test('dialogs answer as scripted and the title follows: "Weekend plans — Notes"', () =>
  withApp({ dialogs: { openFolder: '/home/ada/Weekend plans', confirm: true } }, async (app) => {
    await app.window.waitForTitle('Notes')
    page(app, 'open')
    await app.window.waitForTitle('Weekend plans — Notes')
    assert.equal(app.window.title, 'Weekend plans — Notes')
    assert.equal((await app.window.waitFor('open_folder_dialog')).title, 'Open notes', 'the dialog is recorded with its options')

    page(app, 'delete')
    await app.window.waitForTitle('deleted')
    app.window.dialogs.confirm = false
    page(app, 'delete')
    await app.window.waitForTitle('kept')
    assert.deepEqual(app.window.sent('confirm_dialog').map((command) => command.message), ['Delete this note?', 'Delete this note?'])

    app.window.dialogs.openFolder = null
    page(app, 'open')
    await app.window.waitFor('set_title', (command) => command.title === 'Notes' && app.window.sent('open_folder_dialog').length === 2)
  }))

test('answers may be functions of the dialog; an unscripted dialog fails the call with not_scripted', () =>
  withApp({ dialogs: { saveFile: (command) => `/tmp/${command.defaultPath}` } }, async (app) => {
    page(app, 'save')
    await app.window.waitForTitle('saved to /tmp/note.md')
    page(app, 'delete')
    await app.window.waitForTitle('failed: not_scripted')
    page(app, 'eval')
    await app.window.waitForTitle('failed: eval_failed')
  }))

test('an answer that is a promise keeps the dialog open until it settles', async () => {
  let close!: (path: string) => void
  const picked = new Promise<string>((resolve) => (close = resolve))
  await withApp({ dialogs: { saveFile: () => picked } }, async (app) => {
    await app.window.waitForTitle('Notes')
    page(app, 'save')
    await app.window.waitFor('save_file_dialog')
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.equal(app.window.title, 'Notes', 'the app still waits for the user')
    close('/tmp/later.md')
    await app.window.waitForTitle('saved to /tmp/later.md')
  })
})

test('win.eval resolves with what the script gives', () =>
  withApp({ eval: (script) => (script === '1 + 2' ? 3 : null) }, async (app) => {
    page(app, 'eval')
    await app.window.waitForTitle('eval: 3')
  }))

test('a close request reaches the app: vetoed while unsaved, then the app exits with 0', () =>
  withApp({}, async (app) => {
    await app.window.waitForTitle('Notes')
    assert.equal(await app.window.requestClose(), 'prevented')
    const exited = new Promise((resolve) => app.child.once('exit', resolve))
    assert.equal(await app.window.requestClose(), 'exit')
    assert.equal(await exited, 0)
  }))

test('more windows: the app opens one and addresses it; a taken id and a closed window fail with their codes; the user closing it closes it', () =>
  withApp({}, async (app) => {
    await app.window.waitForTitle('Notes')
    page(app, 'settings')
    const created = await app.window.waitFor('create_window')
    assert.deepEqual({ ...created, id: undefined }, { type: 'create_window', url: '/settings', title: 'Settings', window: 'settings', id: undefined })
    await app.window.waitFor('set_title', (command) => command.window === 'settings')
    assert.equal(app.window.titleOf('settings'), 'Settings — Notes')
    assert.equal(app.window.title, 'Notes', "main's title is main's")
    assert.deepEqual(app.window.windows, ['main', 'settings'])
    const url = new URL(app.window.urlOf('settings'))
    assert.equal(url.pathname, '/settings')
    assert.equal(url.searchParams.get('taupy'), new URL(app.url).searchParams.get('taupy'), 'signed in as the launcher does')

    page(app, 'settings')
    await app.window.waitForTitle('failed: invalid_argument')
    assert.equal(await app.window.requestClose('settings'), 'closed', 'not the last window: it closes')
    assert.deepEqual(app.window.windows, ['main'])
    page(app, 'focus settings')
    await app.window.waitForTitle('failed: unknown_window')
    await assert.rejects(app.window.requestClose('settings'), /no window "settings" is open/)
  }))

test('without `window` the app runs as in a plain browser: no window, calls are no-ops', async () => {
  const app = await startApp(appDir)
  try {
    assert.equal('window' in app, false)
    assert.ok(await eventually(() => /window available: false/.test(app.stderr()), 5000), app.stderr())
  } finally {
    await app.stop()
  }
})
