// Client hooks, server side: `hook(name, handlers)` marks an element of a component's template
// for the browser hook registered under `name` (startWidgets({ hooks })), and gives that hook's
// `pushEvent(event, value)` the handlers it reaches. The hook's code is in the client bundle;
// the server only names it, so the CSP stays `script-src 'self'`.
import { on } from './component.js'
import { bindingAttribute, html, type Html } from './html.js'
import { hookNamePattern } from './protocol.js'
import { UnknownTargetError } from './session.js'

/** Handlers for the events a hook pushes, by event name; each gets the pushed value. */
export type HookHandlers = Record<string, (value: string | undefined) => void | Promise<void>>

const validName = new RegExp(hookNamePattern)

/**
 * Attributes for an element a client hook runs on: html`<time ${hook('localTime', { timeZone: set })}>`.
 * Without handlers the hook is browser-only (its pushEvent has nowhere to go).
 */
export function hook(name: string, handlers?: HookHandlers): Html {
  if (!validName.test(name)) throw new Error(`invalid hook name: ${name} (letters, digits, _ and -, starting with a letter)`)
  const events = handlers
    ? on('hook', (event) => {
        const pushed = event.name ?? ''
        // Own keys only: a pushed name like "constructor" must not reach Object's prototype.
        if (!Object.hasOwn(handlers, pushed)) throw new UnknownTargetError(`hook ${name} has no handler for the event "${pushed}"`)
        return handlers[pushed]!(event.value)
      })
    : ''
  return html`${bindingAttribute('data-hook', name)}${events}`
}
