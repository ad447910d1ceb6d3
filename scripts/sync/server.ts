// Backend side of server state and calls: registers the /ws channel, answers `subscribe` with
// the full value and then streams patches, and runs calls with their arguments checked against
// the API's schemas. While a handler runs (a dialog waiting for the user), the page hears
// "working" every second, so the call does not time out. A handler fails with a code its call
// declares by returning or throwing a CallFailure; anything else it throws is `handler_failed`
// with its message. Either way the server carries on.
import { Type, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { FastifyInstance } from 'fastify'
import { registerChannel } from '../server/channel.js'
import type { ApiSpec, CallArgs, CallFailureCode, CallName, CallResult } from './api.js'
import { CallFailure, transportErrorCodes, workingIntervalMs, type TransportErrorCode } from './errors.js'
import { clientMessage } from './protocol.js'
import type { StateStore } from './store.js'

export { createStore, type ChangeListener, type StateStore } from './store.js'
export { loadState, saveState, type SavedState } from './persist.js'
export { defineApi } from './api.js'
export { CallFailure } from './errors.js'

type Answer<Api extends ApiSpec, Name extends CallName<Api>> = CallResult<Api, Name> | CallFailure<CallFailureCode<Api, Name>>

export type CallHandlers<Api extends ApiSpec> = {
  [Name in CallName<Api>]: (...args: CallArgs<Api, Name>) => Answer<Api, Name> | Promise<Answer<Api, Name>>
}

export interface ServeApiOptions<Api extends ApiSpec> {
  api: Api
  store: StateStore<Api>
  calls: CallHandlers<Api>
  path?: string
}

type AnyHandler = (...args: unknown[]) => unknown

export function serveApi<Api extends ApiSpec>(fastify: FastifyInstance, options: ServeApiOptions<Api>): void {
  const { store } = options
  const argChecks = new Map<string, TypeCheck<TSchema>>()
  for (const [name, spec] of Object.entries(options.api.calls)) {
    argChecks.set(name, TypeCompiler.Compile(Type.Tuple([...spec.args])))
  }
  const handlers = options.calls as unknown as Record<string, AnyHandler>
  const declared = new Map<string, ReadonlySet<string>>()
  for (const [name, spec] of Object.entries(options.api.calls)) {
    const clash = spec.errors?.find((code) => (transportErrorCodes as readonly string[]).includes(code))
    if (clash) throw new Error(`call "${name}" declares the error code "${clash}", which the transport uses; pick another name`)
    declared.set(name, new Set(spec.errors ?? []))
  }
  const log = fastify.log

  registerChannel(fastify, {
    path: options.path,
    messages: clientMessage,
    connect(session) {
      const subscriptions = new Map<string, () => void>()
      return {
        async message(message) {
          switch (message.type) {
            case 'subscribe': {
              if (!store.has(message.name)) return session.fail('unknown_target', `no state named "${message.name}"`, message.ref)
              subscriptions.get(message.name)?.()
              session.send(store.snapshot(message.name))
              subscriptions.set(message.name, store.listen(message.name, (patch) => session.send(patch)))
              return
            }
            case 'unsubscribe':
              subscriptions.get(message.name)?.()
              subscriptions.delete(message.name)
              return
            case 'call': {
              const check = argChecks.get(message.name)
              const handler = Object.hasOwn(handlers, message.name) ? handlers[message.name] : undefined
              if (!check || !handler) return session.fail('unknown_target', `no call named "${message.name}"`, message.ref)
              if (!check.Check(message.args)) {
                const first = check.Errors(message.args).First()
                const where = first ? ` (argument ${first.path || '/'}: ${first.message})` : ''
                return session.fail('bad_message', `wrong arguments for "${message.name}"${where}`, message.ref)
              }
              const { ref } = message
              const working = setInterval(() => session.send({ type: 'working', ref }), workingIntervalMs)
              let value: unknown
              try {
                value = await handler(...message.args)
              } catch (error) {
                if (!(error instanceof CallFailure)) throw error
                value = error
              } finally {
                clearInterval(working)
              }
              if (!(value instanceof CallFailure)) return session.send({ type: 'result', ref, value: value ?? null })
              if (declared.get(message.name)?.has(value.code)) return session.send({ type: 'error', ref, code: value.code, message: value.message })
              log.error(`call "${message.name}" failed with code "${value.code}", which its definition does not list in errors`)
              return session.fail('handler_failed' satisfies TransportErrorCode, value.message, ref)
            }
          }
        },
        close() {
          for (const stop of subscriptions.values()) stop()
        },
      }
    },
  })
}
