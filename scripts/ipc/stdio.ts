// The backend's end of the launcher pipe: commands are written to stdout, one JSON line each,
// framed with the launcher's per-launch token (framing.ts) so that console.log output is never
// a command; events are read from stdin, lines capped at MAX_LINE_BYTES. When the launcher goes
// away (even killed with SIGKILL) stdin closes, and the backend exits: no orphans.
import type { Readable, Writable } from 'node:stream'
import { frameLine, takeIpcToken } from './framing.js'
import { readLines } from './lines.js'
import { MAX_LINE_BYTES, parseEvent, type Command, type Event } from './protocol.js'

export type EventListener = (event: Event) => void
export type ShutdownHook = () => void | Promise<void>

export interface ChannelOptions {
  input?: Readable
  output?: Writable
  /** Defaults to `process.env.TAUPY_LAUNCHER === '1'`. */
  underLauncher?: boolean
  /** The framing token; defaults to the launcher's (TAUPY_IPC_TOKEN, read once at startup). */
  token?: string
  /** Called when the launcher closes the pipe; defaults to `process.exit`. */
  exit?: (code: number) => void
  /** How long shutdown hooks may take before we exit anyway. */
  shutdownTimeoutMs?: number
}

export class LauncherChannel {
  readonly underLauncher: boolean
  private readonly input: Readable
  private readonly output: Writable
  private readonly token: string | undefined
  private readonly exit: (code: number) => void
  private readonly shutdownTimeoutMs: number
  private readonly listeners = new Set<EventListener>()
  private readonly hooks: ShutdownHook[] = []
  private connected = false
  private closing = false

  constructor(options: ChannelOptions = {}) {
    this.underLauncher = options.underLauncher ?? process.env.TAUPY_LAUNCHER === '1'
    this.input = options.input ?? process.stdin
    this.output = options.output ?? process.stdout
    this.token = options.token ?? takeIpcToken()
    this.exit = options.exit ?? ((code) => process.exit(code))
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 800
  }

  /** Starts reading events (idempotent). Under the launcher, stdin EOF ends the process. */
  connect(): this {
    if (this.connected || !this.underLauncher) return this
    this.connected = true
    readLines(this.input, MAX_LINE_BYTES, {
      line: (line) => {
        const event = parseEvent(line)
        if (event) this.dispatch(event)
      },
      tooLong: (bytes) => {
        const message = `an event line of ${bytes} bytes is longer than the limit of ${MAX_LINE_BYTES} bytes; dropped`
        console.error(`taupy ipc: ${message}`)
        this.dispatch({ type: 'error', code: 'line_too_long', message })
      },
      end: () => void this.shutdown(0),
    })
    return this
  }

  private dispatch(event: Event): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event)
      } catch (error) {
        console.error('taupy ipc: event listener failed:', error)
      }
    }
  }

  /** Writes a command line. Returns false (and sends nothing) without a launcher. */
  send(command: Command): boolean {
    if (!this.underLauncher || this.closing) return false
    this.output.write(frameLine(JSON.stringify(command), this.token))
    return true
  }

  onEvent(listener: EventListener): () => void {
    this.connect()
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Runs before the process exits because the launcher went away (closing servers etc.). */
  onShutdown(hook: ShutdownHook): void {
    this.hooks.push(hook)
  }

  /** Runs the shutdown hooks (bounded in time), then exits with `code`. */
  async shutdown(code: number): Promise<void> {
    if (this.closing) return
    this.closing = true
    const hooks = Promise.allSettled(this.hooks.map(async (hook) => hook()))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.shutdownTimeoutMs)
      timer.unref?.()
    })
    await Promise.race([hooks, timeout])
    if (timer) clearTimeout(timer)
    this.exit(code)
  }
}

let shared: LauncherChannel | undefined

/** The process-wide channel over stdin/stdout. */
export function launcherChannel(): LauncherChannel {
  shared ??= new LauncherChannel()
  return shared
}

/**
 * Call once at backend startup: under the launcher (TAUPY_LAUNCHER=1) the process then exits
 * when the launcher's pipe closes. A no-op otherwise. Returns whether a launcher is present.
 */
export function connectLauncher(): boolean {
  return launcherChannel().connect().underLauncher
}
