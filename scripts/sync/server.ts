// Backend side of server state and calls: registers the /ws channel, answers `subscribe` with
// the full value and then streams patches, and runs calls with their arguments checked against
// the API's schemas. A call that throws is answered with an error carrying its message (the
// channel does that), and the server carries on.
import { Type, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { FastifyInstance } from 'fastify'
import { registerChannel } from '../server/channel.js'
import type { ApiSpec, CallArgs, CallName, CallResult } from './api.js'
import { clientMessage } from './protocol.js'
import type { StateStore } from './store.js'

export { createStore, type StateStore } from './store.js'
export { defineApi } from './api.js'

export type CallHandlers<Api extends ApiSpec> = {
  [Name in CallName<Api>]: (...args: CallArgs<Api, Name>) => CallResult<Api, Name> | Promise<CallResult<Api, Name>>
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
              const value = await handler(...message.args)
              session.send({ type: 'result', ref: message.ref, value: value ?? null })
              return
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
