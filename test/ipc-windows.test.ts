// More windows in taupy/ipc (docs/window-api.md, "More windows"): what the backend sends for
// window handles, where each window's events go, and what a close request does by default. The
// launcher's side is played by a pipe pair here; the real launcher is in test/multiwindow.test.ts.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import { unframeLine } from '../scripts/ipc/framing.js'
import {
  COMMAND_TYPES, isWindowId, parseEvent, WINDOW_COMMAND_TYPES, type Command, type Event,
} from '../scripts/ipc/protocol.js'
import { LauncherChannel } from '../scripts/ipc/stdio.js'
import { createTrayApi, createWindowApi, LauncherClient, LauncherError, LauncherUnavailableError } from '../scripts/ipc/window.js'

const root = join(import.meta.dirname, '..')
const token = '0123456789abcdef0123456789abcdef'

/** A backend's IPC wired to pipes: `sent` is what it wrote (unframed), `send` plays the launcher. */
function fakeLauncher(options: { autoReply?: boolean } = {}) {
  const input = new PassThrough()
  const output = new PassThrough()
  const sent: Command[] = []
  const channel = new LauncherChannel({ input, output, underLauncher: true, token, exit: () => {} })
  const client = new LauncherClient(channel)
  client.subscribe() // what attachLauncher() does at start-up
  const send = (event: Event): void => void input.write(JSON.stringify(event) + '\n')
  let buffer = ''
  output.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const json = unframeLine(buffer.slice(0, end), token)
      buffer = buffer.slice(end + 1)
      if (!json) continue
      const command = JSON.parse(json) as Command
      sent.push(command)
      if (options.autoReply !== false && command.id !== undefined) send({ type: 'reply', id: command.id, ok: true, result: null })
    }
  })
  const win = createWindowApi(client)
  const tray = createTrayApi(client)
  const last = async (): Promise<Command> => {
    await tick()
    return sent.at(-1)!
  }
  return { client, win, tray, sent, send, last }
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 20))
const strip = ({ id: _id, ...rest }: Command) => rest

describe('window handles', () => {
  test('createWindow sends create_window and resolves with a handle whose commands name the window; main\'s do not', async () => {
    const { win, sent, last } = fakeLauncher()
    const settings = await win.createWindow('settings', { url: '/settings', title: 'Settings', width: 480, height: 360 })
    assert.deepEqual(strip(sent[0]!), { type: 'create_window', window: 'settings', url: '/settings', title: 'Settings', width: 480, height: 360 })
    assert.equal(settings.id, 'settings')
    await settings.setTitle('Settings — Notes')
    assert.deepEqual(strip(await last()), { type: 'set_title', title: 'Settings — Notes', window: 'settings' })
    await win.setTitle('Notes')
    assert.deepEqual(strip(await last()), { type: 'set_title', title: 'Notes' }, 'a single-window app sends what it always did')
    void settings.dialog.confirm({ message: 'Reset?' }).catch(() => {}) // the fake answers null, not {confirmed}
    assert.deepEqual(strip(await last()), { type: 'confirm_dialog', message: 'Reset?', window: 'settings' }, 'dialogs are modal to their window')
    await settings.eval('1')
    assert.deepEqual(strip(await last()), { type: 'eval', script: '1', window: 'settings' })
    await settings.exit(3)
    assert.deepEqual(strip(await last()), { type: 'exit', code: 3 }, 'exit is app-wide')
    assert.equal(win.window('settings'), settings, 'win.window(id) is the same handle')
    assert.deepEqual(win.windows(), ['main', 'settings'])
  })

  test('close() sends close_window and forgets the window; window(id) is then undefined', async () => {
    const { win, last } = fakeLauncher()
    const about = await win.createWindow('about', { url: '/about' })
    await about.close()
    assert.deepEqual(strip(await last()), { type: 'close_window', window: 'about' })
    assert.equal(win.window('about'), undefined)
    assert.deepEqual(win.windows(), ['main'])
  })

  test('a bad id is refused before anything is sent; a refusal from the launcher rejects with its code', async () => {
    const { win, sent, send } = fakeLauncher({ autoReply: false })
    for (const id of ['', 'two words', 'x'.repeat(65), '../etc', 'é']) {
      await assert.rejects(win.createWindow(id, { url: '/' }), (error: LauncherError) => error.code === 'invalid_argument' && /1-64 characters/.test(error.message))
    }
    assert.equal(sent.length, 0)
    const creating = win.createWindow('settings', { url: '/settings' })
    await tick()
    send({ type: 'reply', id: sent[0]!.id!, ok: false, error: { code: 'invalid_argument', message: 'window "settings" already exists' } })
    await assert.rejects(creating, (error: LauncherError) => error.code === 'invalid_argument')
    assert.equal(win.window('settings'), undefined, 'a window the launcher refused is not tracked')
  })

  test('a command for a closed window rejects with unknown_window', async () => {
    const { client, sent, send } = fakeLauncher({ autoReply: false })
    const gone = createWindowApi(client, 'gone')
    const focusing = gone.focus()
    await tick()
    send({ type: 'reply', id: sent[0]!.id!, ok: false, error: { code: 'unknown_window', message: 'no window "gone"' } })
    await assert.rejects(focusing, (error: LauncherError) => error.code === 'unknown_window' && /no window "gone"/.test(error.message))
  })

  test('without a launcher, createWindow rejects with LauncherUnavailableError (the page can open in the tab instead)', async () => {
    const client = new LauncherClient(new LauncherChannel({ underLauncher: false }))
    await assert.rejects(createWindowApi(client).createWindow('settings', { url: '/settings' }), LauncherUnavailableError)
  })
})

describe('events per window', () => {
  test("each handle hears its window's events; main also hears the app-wide ones and those of launchers that name no window", async () => {
    const { win, send } = fakeLauncher()
    const settings = await win.createWindow('settings', { url: '/settings' })
    const heard: Record<string, string[]> = { main: [], settings: [] }
    for (const handle of [win, settings]) {
      handle.on('resized', ({ width }) => heard[handle.id]!.push(`resized ${width}`))
      handle.on('page_loaded', ({ url }) => heard[handle.id]!.push(`loaded ${url}`))
      handle.on('second_instance', () => heard[handle.id]!.push('second_instance'))
      handle.on('menu_clicked', ({ id }) => heard[handle.id]!.push(`menu ${id}`))
      handle.on('error', ({ code }) => heard[handle.id]!.push(`error ${code}`))
    }
    send({ type: 'resized', width: 1, height: 1, window: 'settings' })
    send({ type: 'resized', width: 2, height: 2, window: 'main' })
    send({ type: 'resized', width: 3, height: 3 })
    send({ type: 'page_loaded', url: 'http://127.0.0.1:1/settings', window: 'settings' })
    send({ type: 'second_instance', args: [], cwd: '/' })
    send({ type: 'menu_clicked', id: 'prefs', window: 'settings' })
    send({ type: 'menu_clicked', id: 'show', tray: true })
    send({ type: 'error', code: 'unknown_window', message: 'no window "settings"', command: 'focus', window: 'settings' })
    await tick()
    assert.deepEqual(heard.settings, ['resized 1', 'loaded http://127.0.0.1:1/settings', 'menu prefs', 'error unknown_window'])
    assert.deepEqual(heard.main, ['resized 2', 'resized 3', 'second_instance', 'menu show'])
  })

  test("window_closed reaches the window's handle, then its listeners go: the id can be opened afresh", async () => {
    const { win, send } = fakeLauncher()
    const first = await win.createWindow('about', { url: '/about' })
    const seen: string[] = []
    first.on('window_closed', ({ window }) => seen.push(`closed ${window}`))
    first.on('focused', () => seen.push('old listener'))
    send({ type: 'window_closed', window: 'about' })
    await tick()
    assert.deepEqual(seen, ['closed about'])
    assert.equal(win.window('about'), undefined)
    await win.createWindow('about', { url: '/about' })
    send({ type: 'focused', window: 'about' })
    await tick()
    assert.deepEqual(seen, ['closed about'], 'the closed window\'s listeners do not hear the new one')
  })
})

describe('closing by the user (docs/window-api.md, the default close)', () => {
  test('a window that is not the last closes (close_window)', async () => {
    const { send, last } = fakeLauncher()
    send({ type: 'close_requested', window: 'settings', last: false })
    assert.deepEqual(await last(), { type: 'close_window', window: 'settings' })
  })

  test('the last window without a tray icon ends the app (exit), as before more windows; so does a launcher that sends no `last`', async () => {
    for (const event of [{ window: 'main', last: true }, { window: 'settings', last: true }, {}]) {
      const { send, last } = fakeLauncher()
      send({ type: 'close_requested', ...event })
      assert.deepEqual(await last(), { type: 'exit', code: 0 })
    }
  })

  test('the last window with a tray icon hides (the app keeps running in the tray); after tray.remove() it exits again', async () => {
    const { tray, send, sent, last } = fakeLauncher()
    await tray.set({ icon: '/x/tray.png' })
    const from = sent.length
    send({ type: 'close_requested', window: 'settings', last: true })
    await tick()
    assert.deepEqual(sent.slice(from), [{ type: 'prevent_close', window: 'settings' }, { type: 'hide', window: 'settings' }])
    await tray.remove()
    send({ type: 'close_requested', window: 'main', last: true })
    assert.deepEqual(await last(), { type: 'exit', code: 0 })
  })

  test('a failed tray.set does not turn closing into hiding', async () => {
    const { tray, send, sent, last } = fakeLauncher({ autoReply: false })
    const setting = tray.set({ icon: '/x/tray.png' })
    await tick()
    send({ type: 'reply', id: sent[0]!.id!, ok: false, error: { code: 'tray_unavailable', message: 'no libayatana-appindicator3' } })
    await assert.rejects(setting)
    send({ type: 'close_requested', last: true })
    assert.deepEqual(await last(), { type: 'exit', code: 0 })
  })

  test("preventDefault keeps the window (prevent_close names it); the listener sees which window and whether it is the last", async () => {
    const { win, send, sent } = fakeLauncher()
    const settings = await win.createWindow('settings', { url: '/settings' })
    const seen: string[] = []
    settings.on('close_requested', (event) => {
      seen.push(`${event.window} last=${event.last}`)
      event.preventDefault()
    })
    win.on('close_requested', () => seen.push('main heard it'))
    const from = sent.length
    send({ type: 'close_requested', window: 'settings', last: false })
    await tick()
    assert.deepEqual(seen, ['settings last=false'])
    assert.deepEqual(sent.slice(from), [{ type: 'prevent_close', window: 'settings' }])
  })
})

describe('the protocol contract (launcher/protocol-examples.json, shared with the launcher)', () => {
  const examples = JSON.parse(readFileSync(join(root, 'launcher/protocol-examples.json'), 'utf8')) as {
    commands: Array<Record<string, unknown>>
    events: Array<Record<string, unknown>>
    invalid: Array<{ line: string; code: string }>
  }

  test('every window in the examples is a valid id, every invalid one is refused by isWindowId, and every example event parses', () => {
    for (const example of [...examples.commands, ...examples.events]) {
      if ('window' in example) assert.ok(isWindowId(example.window), JSON.stringify(example))
    }
    const json = (line: string): Record<string, unknown> => {
      try {
        return JSON.parse(line) as Record<string, unknown>
      } catch {
        return {} // the malformed examples
      }
    }
    const badIds = examples.invalid.map(({ line }) => json(line)).filter((command) => 'window' in command && !(command.type === 'create_window' && !('url' in command))) // (one lacks its url)
    assert.ok(badIds.length >= 3)
    for (const command of badIds) assert.equal(isWindowId(command.window), false, JSON.stringify(command))
    for (const example of examples.events) assert.ok(parseEvent(JSON.stringify(example)), JSON.stringify(example))
    assert.ok(examples.events.some((event) => event.type === 'window_closed'))
    assert.ok(examples.events.some((event) => event.type === 'close_requested' && event.last === false))
  })

  test("docs/ipc.md names every command that takes `window`, and the error code unknown_window", () => {
    const doc = readFileSync(join(root, 'docs/ipc.md'), 'utf8')
    const section = doc.slice(doc.indexOf('## More windows'))
    assert.ok(section.length > 100, 'docs/ipc.md has a "More windows" section')
    for (const type of WINDOW_COMMAND_TYPES) assert.ok(section.includes('`' + type + '`'), `the More windows section lacks ${type}`)
    assert.ok(WINDOW_COMMAND_TYPES.every((type) => COMMAND_TYPES.includes(type)))
    assert.ok(doc.includes('`unknown_window`'))
  })
})
