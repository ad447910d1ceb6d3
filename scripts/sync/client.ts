// Browser side of server state and calls, for any framework: keeps the latest value of every
// state the UI watches (patched in place of the old one, never mutated), subscribes again after
// each reconnection, and turns calls into promises that settle with the server's result or
// reject with its error, a lost connection or a timeout. The React hook and the Lit controller
// in the templates are thin layers over this. Nothing here may import TypeBox (a value import of
// protocol.ts would): this file ships to the browser.
import { connectChannel, type ConnectionState } from '../client/socket.js'
import type { ApiSpec, CallArgs, CallFailureCode, CallName, CallResult, StateName, StateValue } from './api.js'
import { applyPatch } from './diff.js'
import { CallError, defaultCallTimeoutMs, type CallOutcome } from './errors.js'
import type { ClientMessage, ServerMessage } from './protocol.js'

export type { ConnectionState } from '../client/socket.js'
export { CallError, type CallOutcome, type TransportErrorCode } from './errors.js'

export interface CallOptions {
  /**
   * The longest the call waits without a word from the backend, queueing while disconnected
   * included. A running handler says "working" every second, so a handler waiting for a dialog
   * never times out; this catches a backend that is gone or stuck. `Infinity` waits forever.
   */
  timeoutMs?: number
}

export interface Calls<Api extends ApiSpec> {
  /** Resolves with the handler's result; rejects with a CallError. */
  call<Name extends CallName<Api>>(name: Name, ...args: CallArgs<Api, Name>): Promise<CallResult<Api, Name>>
  /** Never rejects: `{ ok: true, value }` or `{ ok: false, error }`, the error's code typed by the API. */
  attempt<Name extends CallName<Api>>(
    name: Name,
    ...args: CallArgs<Api, Name>
  ): Promise<CallOutcome<CallResult<Api, Name>, CallFailureCode<Api, Name>>>
}

export interface SyncClient<Api extends ApiSpec> extends Calls<Api> {
  readonly connection: ConnectionState
  /** Runs on every connection change; returns the function that stops it. */
  onConnection(listener: () => void): () => void
  /** The latest value, or undefined until the first one arrives. */
  get<Name extends StateName<Api>>(name: Name): StateValue<Api, Name> | undefined
  /** Subscribes while at least one watcher is registered; returns the function that stops watching. */
  watch<Name extends StateName<Api>>(name: Name, listener: (value: StateValue<Api, Name>) => void): () => void
  /** The same calls with other options: `backend.with({ timeoutMs: 60_000 }).call('exportBoard')`. */
  with(options: CallOptions): Calls<Api>
  close(): void
}

/** The part of Vite's `import.meta.hot` the client uses (no dependency on Vite's types). */
export interface HotContext {
  readonly data: Record<string, unknown>
}

export interface SyncOptions extends CallOptions {
  path?: string
  /**
   * Pass `import.meta.hot`: when the module that connects is hot-updated, the new client takes
   * over from the old one (its cached values, so the UI does not flash "loading") and the old
   * connection closes once its calls in flight have answered.
   */
  hot?: HotContext
}

interface Pending {
  message: ClientMessage & { type: 'call' }
  sent: boolean
  timeoutMs: number
  resolve(value: unknown): void
  reject(error: CallError): void
  timer?: ReturnType<typeof setTimeout>
}

/** Left in `hot.data` by a client: stops it and hands over what it knows. */
type Retire = () => Map<string, unknown>
const handoverKey = (path: string): string => `taupy-sync:${path}`

// React StrictMode and route changes unmount and remount at once: keep the subscription a moment.
const unsubscribeDelayMs = 1000

export function connectSync<Api extends ApiSpec>(options: SyncOptions = {}): SyncClient<Api> {
  const defaultTimeoutMs = options.timeoutMs ?? defaultCallTimeoutMs
  const path = options.path ?? '/ws'
  const previous = options.hot?.data[handoverKey(path)] as Retire | undefined
  const values = new Map<string, unknown>(previous?.())
  const versions = new Map<string, number>()
  const watchers = new Map<string, Set<(value: never) => void>>()
  const pending = new Map<number, Pending>()
  const connectionListeners = new Set<() => void>()
  let nextRef = 1
  let retired = false

  const subscribe = (name: string): void => {
    channel.send({ type: 'subscribe', ref: nextRef++, name } satisfies ClientMessage)
  }
  const notify = (name: string): void => {
    const value = values.get(name) as never
    for (const listener of watchers.get(name) ?? []) listener(value)
  }
  // The clock restarts whenever the backend says something about the call.
  const arm = (ref: number): void => {
    const call = pending.get(ref)
    if (!call) return
    clearTimeout(call.timer)
    if (!Number.isFinite(call.timeoutMs)) return
    call.timer = setTimeout(() => {
      settle(ref)?.reject(new CallError('timeout', `"${call.message.name}" got no word from the backend within ${call.timeoutMs} ms`))
    }, call.timeoutMs)
  }
  const settle = (ref: number): Pending | undefined => {
    const call = pending.get(ref)
    if (!call) return undefined
    pending.delete(ref)
    clearTimeout(call.timer)
    if (retired && pending.size === 0) channel.close()
    return call
  }

  const receive = (raw: unknown): void => {
    const message = raw as ServerMessage
    switch (message.type) {
      case 'state':
        if (!watchers.has(message.name)) return
        values.set(message.name, message.value)
        versions.set(message.name, message.version)
        return notify(message.name)
      case 'patch':
        if (!watchers.has(message.name)) return
        // A missed version means our copy is stale: ask for the whole value again.
        if (versions.get(message.name) !== message.version - 1) return subscribe(message.name)
        values.set(message.name, applyPatch(values.get(message.name), message.ops))
        versions.set(message.name, message.version)
        return notify(message.name)
      case 'working':
        return arm(message.ref)
      case 'result':
        settle(message.ref)?.resolve(message.value)
        return
      case 'error': {
        const call = message.ref === undefined ? undefined : settle(message.ref)
        if (call) call.reject(new CallError(message.code, message.message))
        else console.error(`taupy: the backend answered with an error: ${message.code}: ${message.message}`)
        return
      }
    }
  }

  const channel = connectChannel({
    path,
    onMessage: receive,
    onOpen() {
      for (const name of watchers.keys()) subscribe(name)
      for (const call of pending.values()) if (!call.sent) call.sent = channel.send(call.message)
    },
    onState(state) {
      if (state === 'reconnecting') {
        // The answer to a call in flight is lost with the connection; whether it ran is unknown.
        for (const [ref, call] of pending) {
          if (call.sent) settle(ref)?.reject(new CallError('disconnected', 'the connection to the backend was lost before the call returned'))
        }
        versions.clear()
      }
      for (const listener of connectionListeners) listener()
    },
  })

  const calls = (callOptions: CallOptions): Calls<Api> => {
    const timeoutMs = callOptions.timeoutMs ?? defaultTimeoutMs
    const call: Calls<Api>['call'] = (name, ...args) =>
      new Promise((resolve, reject) => {
        const ref = nextRef++
        const message = { type: 'call', ref, name, args: [...args] } satisfies ClientMessage
        pending.set(ref, { message, sent: false, timeoutMs, resolve: resolve as (value: unknown) => void, reject })
        arm(ref)
        pending.get(ref)!.sent = channel.send(message)
      })
    return {
      call,
      attempt: (name, ...args) =>
        call(name, ...args).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({
            ok: false as const,
            error: error instanceof CallError ? error : new CallError('handler_failed', String(error)),
          }),
        ),
    }
  }

  const client: SyncClient<Api> = {
    get connection() {
      return channel.state
    },
    onConnection(listener) {
      connectionListeners.add(listener)
      return () => connectionListeners.delete(listener)
    },
    get: (name) => values.get(name) as StateValue<Api, typeof name> | undefined,
    watch(name, listener) {
      let listeners = watchers.get(name)
      if (!listeners) {
        listeners = new Set()
        watchers.set(name, listeners)
        subscribe(name)
      }
      listeners.add(listener as (value: never) => void)
      return () => {
        listeners.delete(listener as (value: never) => void)
        setTimeout(() => {
          if (retired || listeners.size > 0 || watchers.get(name) !== listeners) return
          watchers.delete(name)
          values.delete(name)
          versions.delete(name)
          channel.send({ type: 'unsubscribe', ref: nextRef++, name } satisfies ClientMessage)
        }, unsubscribeDelayMs)
      }
    },
    ...calls({}),
    with: calls,
    close() {
      channel.close()
      for (const ref of [...pending.keys()]) settle(ref)?.reject(new CallError('disconnected', 'the client was closed'))
    },
  }

  if (options.hot) {
    const retire: Retire = () => {
      retired = true
      if (pending.size === 0) channel.close()
      return new Map(values)
    }
    options.hot.data[handoverKey(path)] = retire
  }
  return client
}
