// The backend's end of the launcher pipe: commands are written to stdout, one JSON line each;
// events are read from stdin. When the launcher goes away (even killed with SIGKILL) stdin
// closes, and the backend exits: no orphans. Nothing else may be written to stdout.
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { encodeCommand, parseEvent, type Command, type Event } from './protocol.js'

export type EventListener = (event: Event) => void
export type ShutdownHook = () => void | Promise<void>

export interface ChannelOptions {
  input?: Readable
  output?: Writable
  /** Defaults to `process.env.TAUPY_LAUNCHER === '1'`. */
  underLauncher?: boolean
  /** Called when the launcher closes the pipe; defaults to `process.exit`. */
  exit?: (code: number) => void
  /** How long shutdown hooks may take before we exit anyway. */
  shutdownTimeoutMs?: number
}

export class LauncherChannel {
  readonly underLauncher: boolean
  private readonly input: Readable
  private readonly output: Writable
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
    this.exit = options.exit ?? ((code) => process.exit(code))
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 800
  }

  /** Starts reading events (idempotent). Under the launcher, stdin EOF ends the process. */
  connect(): this {
    if (this.connected || !this.underLauncher) return this
    this.connected = true
    const lines = createInterface({ input: this.input, crlfDelay: Infinity })
    lines.on('line', (line) => {
      const event = parseEvent(line)
      if (!event) return
      for (const listener of [...this.listeners]) {
        try {
          listener(event)
        } catch (error) {
          console.error('taupy ipc: event listener failed:', error)
        }
      }
    })
    lines.on('close', () => void this.shutdown(0))
    return this
  }

  /** Writes a command line. Returns false (and sends nothing) without a launcher. */
  send(command: Command): boolean {
    if (!this.underLauncher || this.closing) return false
    this.output.write(encodeCommand(command))
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
