// Browser side of server state and calls, for any framework: keeps the latest value of every
// state the UI watches (patched in place of the old one, never mutated), subscribes again after
// each reconnection, and turns calls into promises that settle with the server's result or
// reject with its error, a lost connection or a timeout. The React hook and the Lit controller
// in the templates are thin layers over this.
import { connectChannel, type ConnectionState } from '../client/socket.js'
import type { ApiSpec, CallArgs, CallName, CallResult, StateName, StateValue } from './api.js'
import { applyPatch } from './diff.js'
import type { ClientMessage, ServerMessage } from './protocol.js'

export type { ConnectionState } from '../client/socket.js'

/** Why a call failed: the server's error code (`handler_failed` for a throw) or `timeout` / `disconnected`. */
export class CallError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'CallError'
    this.code = code
  }
}

export interface SyncClient<Api extends ApiSpec> {
  readonly connection: ConnectionState
  /** Runs on every connection change; returns the function that stops it. */
  onConnection(listener: () => void): () => void
  /** The latest value, or undefined until the first one arrives. */
  get<Name extends StateName<Api>>(name: Name): StateValue<Api, Name> | undefined
  /** Subscribes while at least one watcher is registered; returns the function that stops watching. */
  watch<Name extends StateName<Api>>(name: Name, listener: (value: StateValue<Api, Name>) => void): () => void
  call<Name extends CallName<Api>>(name: Name, ...args: CallArgs<Api, Name>): Promise<CallResult<Api, Name>>
  close(): void
}

export interface SyncOptions {
  path?: string
  /** How long a call may take, queueing while disconnected included. */
  timeoutMs?: number
}

interface Pending {
  message: ClientMessage & { type: 'call' }
  sent: boolean
  resolve(value: unknown): void
  reject(error: CallError): void
  timer: ReturnType<typeof setTimeout>
}

// React StrictMode and route changes unmount and remount at once: keep the subscription a moment.
const unsubscribeDelayMs = 1000

export function connectSync<Api extends ApiSpec>(options: SyncOptions = {}): SyncClient<Api> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const values = new Map<string, unknown>()
  const versions = new Map<string, number>()
  const watchers = new Map<string, Set<(value: never) => void>>()
  const pending = new Map<number, Pending>()
  const connectionListeners = new Set<() => void>()
  let nextRef = 1

  const subscribe = (name: string): void => {
    channel.send({ type: 'subscribe', ref: nextRef++, name } satisfies ClientMessage)
  }
  const notify = (name: string): void => {
    const value = values.get(name) as never
    for (const listener of watchers.get(name) ?? []) listener(value)
  }
  const settle = (ref: number): Pending | undefined => {
    const call = pending.get(ref)
    if (!call) return undefined
    pending.delete(ref)
    clearTimeout(call.timer)
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
    path: options.path,
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

  return {
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
          if (listeners.size > 0 || watchers.get(name) !== listeners) return
          watchers.delete(name)
          values.delete(name)
          versions.delete(name)
          channel.send({ type: 'unsubscribe', ref: nextRef++, name } satisfies ClientMessage)
        }, unsubscribeDelayMs)
      }
    },
    call(name, ...args) {
      return new Promise((resolve, reject) => {
        const ref = nextRef++
        const message = { type: 'call', ref, name, args: [...args] } satisfies ClientMessage
        const timer = setTimeout(() => {
          settle(ref)?.reject(new CallError('timeout', `"${name}" got no answer within ${timeoutMs} ms`))
        }, timeoutMs)
        const call: Pending = { message, sent: false, resolve: resolve as (value: unknown) => void, reject, timer }
        pending.set(ref, call)
        call.sent = channel.send(message)
      })
    },
    close() {
      channel.close()
      for (const ref of [...pending.keys()]) settle(ref)?.reject(new CallError('disconnected', 'the client was closed'))
    },
  }
}
