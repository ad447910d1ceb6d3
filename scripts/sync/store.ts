// Server state: named values, each checked against its schema on every change, each with a
// version. A change is diffed against the previous value once, and the patch goes to every
// listener (one per subscribed session): only the changed paths travel. `onChange` is the hook
// for the app itself (saving state to disk: persist.ts).
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { TSchema } from '@sinclair/typebox'
import type { ApiSpec, StateName, StateValue, StateValues } from './api.js'
import { diff } from './diff.js'
import type { PatchMessage, StateMessage } from './protocol.js'

export type PatchListener = (patch: PatchMessage) => void
export type ChangeListener<Api extends ApiSpec> = <Name extends StateName<Api>>(name: Name, value: StateValue<Api, Name>) => void

export interface StateStore<Api extends ApiSpec> {
  get<Name extends StateName<Api>>(name: Name): StateValue<Api, Name>
  /** Replaces a value. Treat values as immutable: build a new one rather than changing the old. */
  set<Name extends StateName<Api>>(name: Name, value: StateValue<Api, Name>): void
  update<Name extends StateName<Api>>(name: Name, change: (current: StateValue<Api, Name>) => StateValue<Api, Name>): StateValue<Api, Name>
  has(name: string): name is StateName<Api>
  snapshot(name: StateName<Api>): StateMessage
  /** The patches of one value, for the sessions that subscribed to it (serveApi). */
  listen(name: StateName<Api>, listener: PatchListener): () => void
  /** Runs after every change of any value (not for a set that changes nothing); returns the function that stops it. */
  onChange(listener: ChangeListener<Api>): () => void
}

interface Entry {
  value: unknown
  version: number
  check: TypeCheck<TSchema>
  listeners: Set<PatchListener>
}

export function createStore<Api extends ApiSpec>(api: Api, initial: StateValues<Api>): StateStore<Api> {
  const entries = new Map<string, Entry>()
  for (const [name, schema] of Object.entries(api.state)) {
    entries.set(name, { value: undefined, version: 0, check: TypeCompiler.Compile(schema), listeners: new Set() })
  }
  const entry = (name: string): Entry => {
    const found = entries.get(name)
    if (!found) throw new Error(`"${name}" is not a state name of this API`)
    return found
  }
  const validate = (name: string, value: unknown): void => {
    const { check } = entry(name)
    if (check.Check(value)) return
    const first = check.Errors(value).First()
    throw new Error(`state "${name}" does not match its schema (${first ? `${first.path || '/'}: ${first.message}` : 'invalid'})`)
  }
  for (const name of entries.keys()) {
    const value = (initial as Record<string, unknown>)[name]
    validate(name, value)
    entry(name).value = value
  }
  const changeListeners = new Set<ChangeListener<Api>>()

  const store: StateStore<Api> = {
    get: (name) => entry(name).value as StateValue<Api, typeof name>,
    set(name, value) {
      validate(name, value)
      const current = entry(name)
      const ops = diff(current.value, value)
      current.value = value
      if (ops.length === 0) return
      current.version += 1
      const patch: PatchMessage = { type: 'patch', name, version: current.version, ops }
      for (const listener of current.listeners) listener(patch)
      for (const listener of changeListeners) listener(name, value)
    },
    update(name, change) {
      const next = change(store.get(name))
      store.set(name, next)
      return next
    },
    has: (name): name is StateName<Api> => entries.has(name),
    snapshot(name) {
      const { value, version } = entry(name)
      return { type: 'state', name, version, value }
    },
    listen(name, listener) {
      const { listeners } = entry(name)
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onChange(listener) {
      changeListeners.add(listener)
      return () => changeListeners.delete(listener)
    },
  }
  return store
}
