// Which session (window) the running code belongs to. AsyncLocalStorage carries it across
// `await`, so an async handler can still create components, navigate or read the route.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { ComponentOwner } from './component.js'

const storage = new AsyncLocalStorage<ComponentOwner>()

export function runInSession<T>(session: ComponentOwner, fn: () => T): T {
  return storage.run(session, fn)
}

export function activeSession<Owner extends ComponentOwner = ComponentOwner>(): Owner {
  const session = storage.getStore()
  if (!session) throw new Error('no widgets session here: create components inside a page, a component or an event handler')
  return session as Owner
}
