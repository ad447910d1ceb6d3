// A scripted stand-in for the native window, for app tests. It plays the launcher's side of the
// IPC protocol (docs/ipc.md) over the backend's stdio: the backend runs with TAUPY_LAUNCHER=1 and
// a framing token, so `win.*` and `dialog.*` take their real paths. Dialogs are answered as the
// test scripted them, every command is recorded, and the test can send window events.
import type { Writable } from 'node:stream'
import {
  COMMAND_TYPES, isWindowId, MAIN_WINDOW, MAX_WINDOWS, PROTOCOL_VERSION, WINDOW_COMMAND_TYPES, type Command, type CommandType,
  type Event, type Id, type ReplyError, type WindowId,
} from '../ipc/protocol.js'

type CommandOf<T extends CommandType> = Extract<Command, { type: T }>
/**
 * A fixed answer, or a function of the dialog's command (its title, filters, defaultPath…). A
 * function may return a promise: the dialog stays open until it settles (a user who takes time).
 */
export type Answer<T, C extends CommandType> = T | ((command: CommandOf<C>) => T | Promise<T>)

/** What the "user" answers. A dialog without an answer here fails with code `not_scripted`. */
export interface DialogScript {
  /** `dialog.openFile()`: a path, or null for Cancel. */
  openFile?: Answer<string | null, 'open_file_dialog'>
  /** `dialog.openFiles()`: the paths, [] for Cancel. */
  openFiles?: Answer<string[], 'open_file_dialog'>
  /** `dialog.openFolder()`: a path, or null for Cancel. */
  openFolder?: Answer<string | null, 'open_folder_dialog'>
  /** `dialog.saveFile()`: a path, or null for Cancel. */
  saveFile?: Answer<string | null, 'save_file_dialog'>
  /** `dialog.confirm()`: true for OK. */
  confirm?: Answer<boolean, 'confirm_dialog'>
  // `dialog.message()` needs no answer: it is dismissed at once (and recorded).
}

export interface WindowScript {
  dialogs?: DialogScript
  /** What `win.eval(script)` resolves with; without it, eval fails with `eval_failed`. */
  eval?: (script: string) => unknown
  /** `window_ready.platform`; defaults to this machine's (`linux`, `windows`…). */
  platform?: string
}

/** The launcher's limit on titles (docs/ipc.md "Limits"), enforced here too so tests catch it. */
const MAX_TITLE = 4096
const DEFAULT_WAIT_MS = 5000

class Refusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

interface Waiter {
  test: (command: Command) => boolean
  resolve: (command: Command) => void
}

/** How the app answered a close request (docs/window-api.md, "More windows"). */
export type CloseOutcome = 'prevented' | 'exit' | 'closed' | 'hidden'

const windowOf = (command: Command): WindowId => ('window' in command && typeof command.window === 'string' ? command.window : MAIN_WINDOW)

export class StandInWindow {
  /** Every command the backend sent after its ready line, in order. */
  readonly commands: Command[] = []
  /** The scripted answers; change them between steps of a test. */
  dialogs: DialogScript
  private readonly script: WindowScript
  private readonly waiters = new Set<Waiter>()
  private origin = ''
  private readyUrl = ''
  private closed = false
  /** The windows open now: `main`, and those the app created and has not closed. */
  private readonly open = new Set<WindowId>([MAIN_WINDOW])

  constructor(private readonly backendInput: Writable, script: WindowScript = {}) {
    this.script = script
    this.dialogs = { ...script.dialogs }
  }

  /** The last title the backend set on the main window, or undefined. */
  get title(): string | undefined {
    return this.titleOf(MAIN_WINDOW)
  }

  /** The last title the backend set on a window, or undefined. */
  titleOf(window: WindowId): string | undefined {
    return this.sent('set_title').findLast((command) => windowOf(command) === window)?.title
  }

  /** The ids of the open windows (`main` first while it is open). */
  get windows(): WindowId[] {
    return [...this.open]
  }

  /** Commands of one type, in order. */
  sent<T extends CommandType>(type: T): CommandOf<T>[] {
    return this.commands.filter((command): command is CommandOf<T> => command.type === type)
  }

  /**
   * The address a window's webview loads: the ready URL for `main`; for a window the app created,
   * its `create_window` URL with the ready URL's query added (`?taupy=SECRET`), as the launcher
   * adds it so the page can sign in. Open it in a browser page of the same context as main's
   * (one cookie store, as in the launcher) to play that window's page.
   */
  urlOf(window: WindowId = MAIN_WINDOW): string {
    if (window === MAIN_WINDOW) return this.readyUrl
    const created = this.sent('create_window').findLast((command) => command.window === window)
    if (!created || !this.open.has(window)) throw new Error(`no window "${window}" is open (open: ${this.windows.join(', ')})`)
    const url = new URL(created.url, this.origin)
    for (const [name, value] of new URL(this.readyUrl).searchParams) url.searchParams.set(name, value)
    return url.href
  }

  /** Resolves with the first command (already sent or still to come) of `type` that `match` accepts. */
  waitFor<T extends CommandType>(type: T, match: (command: CommandOf<T>) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<CommandOf<T>> {
    const test = (command: Command): boolean => command.type === type && match(command as CommandOf<T>)
    const found = this.commands.find(test)
    if (found) return Promise.resolve(found as CommandOf<T>)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        const seen = this.commands.map((command) => command.type).join(', ') || 'none'
        reject(new Error(`the backend sent no matching ${type} within ${timeoutMs} ms (commands so far: ${seen})`))
      }, timeoutMs)
      const waiter: Waiter = {
        test,
        resolve: (command) => {
          clearTimeout(timer)
          resolve(command as CommandOf<T>)
        },
      }
      this.waiters.add(waiter)
    })
  }

  /** Resolves when the window title becomes `title`. */
  async waitForTitle(title: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.waitFor('set_title', (command) => command.title === title, timeoutMs)
  }

  /** Sends a window event to the backend, as the launcher would (`resized`, `page_message`…). */
  send(event: Event): void {
    if (this.closed) throw new Error('the window is closed: the backend was told to exit')
    this.backendInput.write(JSON.stringify(event) + '\n')
  }

  /**
   * The user clicks a window's close button (`main` by default): resolves with `'prevented'` if
   * the app vetoed (`event.preventDefault()` in a `close_requested` listener), `'exit'` if it
   * ended, `'closed'` if it let the window close (`close_window`), `'hidden'` if it hid it (the
   * default for the last window while a tray icon shows).
   */
  async requestClose(window: WindowId = MAIN_WINDOW, timeoutMs = DEFAULT_WAIT_MS): Promise<CloseOutcome> {
    if (!this.open.has(window)) throw new Error(`no window "${window}" is open (open: ${this.windows.join(', ')})`)
    const from = this.commands.length
    const answers = (command: Command): boolean =>
      command.type === 'exit' ||
      ((command.type === 'prevent_close' || command.type === 'close_window' || command.type === 'hide') && windowOf(command) === window)
    const answer = new Promise<Command>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(`the backend neither exited, closed, hid nor kept window "${window}" within ${timeoutMs} ms`))
      }, timeoutMs)
      const waiter: Waiter = {
        test: (command) => answers(command) && this.commands.indexOf(command) >= from,
        resolve: (command) => {
          clearTimeout(timer)
          resolve(command)
        },
      }
      this.waiters.add(waiter)
    })
    this.send({ type: 'close_requested', window, last: this.open.size === 1 })
    const first = await answer
    if (first.type === 'exit') return 'exit'
    if (first.type === 'close_window') return 'closed'
    if (first.type === 'hide') return 'hidden'
    // A veto may be followed at once by a hide (closing to the tray answers with both).
    await new Promise((resolve) => setTimeout(resolve, 50))
    return this.commands.slice(from).some((command) => command.type === 'hide' && windowOf(command) === window) ? 'hidden' : 'prevented'
  }

  /** The backend's ready line: the window "opens" and says so. */
  opened(url: string): void {
    this.origin = new URL(url).origin
    this.readyUrl = url
    this.send({ type: 'window_ready', protocol: PROTOCOL_VERSION, platform: this.script.platform ?? platformName() })
  }

  /** One protocol line from the backend (its token already removed). */
  receive(json: string): void {
    let command: Command
    try {
      const value: unknown = JSON.parse(json)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
      command = value as Command
    } catch {
      return this.sendError('malformed', `not a JSON object: ${json.slice(0, 200)}`)
    }
    if (!(COMMAND_TYPES as string[]).includes(command.type)) {
      return this.sendError('unknown_command', `unknown command type ${JSON.stringify(command.type)}`, command.id)
    }
    this.commands.push(command)
    for (const waiter of [...this.waiters]) {
      if (waiter.test(command)) {
        this.waiters.delete(waiter)
        waiter.resolve(command)
      }
    }
    void this.respond(command)
  }

  /** Answers one command (after its scripted dialog answer settles), as the launcher would. */
  private async respond(command: Command): Promise<void> {
    let result: unknown
    try {
      result = await this.answer(command)
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal('failed', String(error))
      const about = 'window' in command || (WINDOW_COMMAND_TYPES as string[]).includes(command.type) ? windowOf(command) : undefined
      if (command.id === undefined) return this.sendError(refusal.code, refusal.message, undefined, command.type, about)
      return this.reply(command.id, { error: { code: refusal.code, message: refusal.message } })
    }
    if (command.id !== undefined) this.reply(command.id, { result })
    // What the launcher reports after making or closing a window.
    if (command.type === 'create_window') this.send({ type: 'page_loaded', url: new URL(command.url, this.origin).href, window: command.window })
    if (command.type === 'close_window') this.send({ type: 'window_closed', window: command.window })
    // Like the launcher: `exit` closes the window and the backend's stdin, which ends the backend.
    if (command.type === 'exit') {
      this.closed = true
      this.backendInput.end()
    }
  }

  private async answer(command: Command): Promise<unknown> {
    const dialogs = this.dialogs
    const window = windowOf(command)
    if ((WINDOW_COMMAND_TYPES as string[]).includes(command.type) && !this.open.has(window)) {
      throw new Refusal('unknown_window', `no window ${JSON.stringify(window)}`)
    }
    switch (command.type) {
      case 'create_window': {
        if (!isWindowId(command.window)) throw new Refusal('invalid_argument', 'a window id is 1-64 characters of [A-Za-z0-9_-]')
        if (this.open.has(command.window)) throw new Refusal('invalid_argument', `window "${command.window}" already exists`)
        if (this.open.size >= MAX_WINDOWS) throw new Refusal('invalid_argument', `at most ${MAX_WINDOWS} windows may be open`)
        if (typeof command.url !== 'string' || new URL(command.url, this.origin).origin !== this.origin) throw new Refusal('forbidden_origin', `${command.url} is not on the app's origin`)
        if (command.title !== undefined && command.title.length > MAX_TITLE) throw new Refusal('invalid_argument', `a title is at most ${MAX_TITLE} characters`)
        this.open.add(command.window)
        return null
      }
      case 'close_window':
        if (!this.open.delete(command.window)) throw new Refusal('unknown_window', `no window ${JSON.stringify(command.window)}`)
        return null
      case 'ready':
        throw new Refusal('already_ready', 'the backend sent a second ready line')
      case 'set_title':
        if (command.title.length > MAX_TITLE) throw new Refusal('invalid_argument', `a title is at most ${MAX_TITLE} characters`)
        return null
      case 'navigate':
        if (new URL(command.url, this.origin).origin !== this.origin) throw new Refusal('forbidden_origin', `${command.url} is not on the app's origin`)
        return null
      case 'eval':
        if (!this.script.eval) throw new Refusal('eval_failed', 'the stand-in window has no page: script win.eval with startApp(dir, { window: { eval } })')
        return this.script.eval(command.script) ?? null
      case 'message_dialog':
        return null
      case 'confirm_dialog':
        return { confirmed: await scripted(dialogs.confirm, 'confirm', command) }
      case 'open_file_dialog': {
        const paths = command.multiple ? await scripted(dialogs.openFiles, 'openFiles', command) : optional(await scripted(dialogs.openFile, 'openFile', command))
        return { cancelled: paths.length === 0, paths }
      }
      case 'open_folder_dialog': {
        const paths = optional(await scripted(dialogs.openFolder, 'openFolder', command))
        return { cancelled: paths.length === 0, paths }
      }
      case 'save_file_dialog': {
        const path = await scripted(dialogs.saveFile, 'saveFile', command)
        return { cancelled: path === null, path }
      }
      case 'notify': // as the launcher: its tag, or one made up (recorded in `sent('notify')`)
        return { tag: command.tag ?? `n${this.commands.filter((c) => c.type === 'notify').length}` }
      default:
        return null
    }
  }

  private reply(id: Id, outcome: { result: unknown } | { error: ReplyError }): void {
    if (this.closed) return
    this.send('error' in outcome ? { type: 'reply', id, ok: false, error: outcome.error } : { type: 'reply', id, ok: true, result: outcome.result })
  }

  private sendError(code: string, message: string, id?: Id, command?: string, window?: WindowId): void {
    if (this.closed) return
    this.send({ type: 'error', code, message, ...(id === undefined ? {} : { id }), ...(command ? { command } : {}), ...(window === undefined ? {} : { window }) })
  }
}

function scripted<T, C extends CommandType>(answer: Answer<T, C> | undefined, name: keyof DialogScript, command: CommandOf<C>): T | Promise<T> {
  if (answer === undefined) {
    throw new Refusal('not_scripted', `the test gave no answer for dialog.${name}(): startApp(dir, { window: { dialogs: { ${name}: … } } })`)
  }
  return typeof answer === 'function' ? (answer as (command: CommandOf<C>) => T | Promise<T>)(command) : answer
}

const optional = (path: string | null): string[] => (path === null ? [] : [path])

function platformName(): string {
  return process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : process.platform
}
