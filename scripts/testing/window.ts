// A scripted stand-in for the native window, for app tests. It plays the launcher's side of the
// IPC protocol (docs/ipc.md) over the backend's stdio: the backend runs with TAUPY_LAUNCHER=1 and
// a framing token, so `win.*` and `dialog.*` take their real paths. Dialogs are answered as the
// test scripted them, every command is recorded, and the test can send window events.
import type { Writable } from 'node:stream'
import {
  COMMAND_TYPES, PROTOCOL_VERSION, type Command, type CommandType, type Event, type Id, type ReplyError,
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

export class StandInWindow {
  /** Every command the backend sent after its ready line, in order. */
  readonly commands: Command[] = []
  /** The scripted answers; change them between steps of a test. */
  dialogs: DialogScript
  private readonly script: WindowScript
  private readonly waiters = new Set<Waiter>()
  private origin = ''
  private closed = false

  constructor(private readonly backendInput: Writable, script: WindowScript = {}) {
    this.script = script
    this.dialogs = { ...script.dialogs }
  }

  /** The last title the backend set, or undefined. */
  get title(): string | undefined {
    return this.commands.findLast((command) => command.type === 'set_title')?.title
  }

  /** Commands of one type, in order. */
  sent<T extends CommandType>(type: T): CommandOf<T>[] {
    return this.commands.filter((command): command is CommandOf<T> => command.type === type)
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
   * The user clicks the close button: resolves with `'prevented'` if the app vetoed
   * (`event.preventDefault()` in a `close_requested` listener) or `'exit'` if it let the window close.
   */
  async requestClose(timeoutMs = DEFAULT_WAIT_MS): Promise<'prevented' | 'exit'> {
    const from = this.commands.length
    const answered = (command: Command): boolean => command.type === 'prevent_close' || command.type === 'exit'
    const answer = new Promise<Command>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(`the backend neither exited nor prevented the close within ${timeoutMs} ms`))
      }, timeoutMs)
      const waiter: Waiter = {
        test: (command) => answered(command) && this.commands.indexOf(command) >= from,
        resolve: (command) => {
          clearTimeout(timer)
          resolve(command)
        },
      }
      this.waiters.add(waiter)
    })
    this.send({ type: 'close_requested' })
    return (await answer).type === 'prevent_close' ? 'prevented' : 'exit'
  }

  /** The backend's ready line: the window "opens" and says so. */
  opened(url: string): void {
    this.origin = new URL(url).origin
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
      if (command.id === undefined) return this.sendError(refusal.code, refusal.message, undefined, command.type)
      return this.reply(command.id, { error: { code: refusal.code, message: refusal.message } })
    }
    if (command.id !== undefined) this.reply(command.id, { result })
    // Like the launcher: `exit` closes the window and the backend's stdin, which ends the backend.
    if (command.type === 'exit') {
      this.closed = true
      this.backendInput.end()
    }
  }

  private async answer(command: Command): Promise<unknown> {
    const dialogs = this.dialogs
    switch (command.type) {
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
      default:
        return null
    }
  }

  private reply(id: Id, outcome: { result: unknown } | { error: ReplyError }): void {
    if (this.closed) return
    this.send('error' in outcome ? { type: 'reply', id, ok: false, error: outcome.error } : { type: 'reply', id, ok: true, result: outcome.result })
  }

  private sendError(code: string, message: string, id?: Id, command?: string): void {
    if (this.closed) return
    this.send({ type: 'error', code, message, ...(id === undefined ? {} : { id }), ...(command ? { command } : {}) })
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
