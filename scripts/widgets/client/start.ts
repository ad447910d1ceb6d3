// The widgets browser runtime: joins the server-rendered session over /ws, forwards events,
// applies patches, runs client hooks and keeps the address bar in step with the router. Events
// are sent once and never replayed after a reconnect (at most once); the re-join returns the
// whole page.
import { connectChannel } from '../../client/socket.js'
import type { ServerMessage } from '../protocol.js'
import { runClientCommands } from './commands.js'
import { forwardEvents } from './events.js'
import { handleUploads } from './upload.js'
import { hookRunner, type Hooks } from './hooks.js'
import { applyPatches, mountHooks } from './patch.js'
import { blockedWhilePending, clearPending, markPending } from './pending.js'
import { applyStream } from './stream.js'

export type { Hook, HookContext, Hooks } from './hooks.js'

export interface WidgetClientOptions {
  /** Client hooks by name, for elements rendered with hook(name) (`data-hook="name"`). */
  hooks?: Hooks
}

let started = false

export function startWidgets(options: WidgetClientOptions = {}): void {
  if (started) throw new Error('startWidgets() twice')
  started = true
  let lastRef = 0
  /** Event type (and sending element) of every message not yet acknowledged, by ref. */
  const pending = new Map<number, { event: string; element?: Element | undefined; done?: ((error?: string) => void) | undefined }>()
  const root = document.documentElement

  const settle = (ref: number | undefined, error?: string): void => {
    const entry = ref === undefined ? undefined : pending.get(ref)
    if (!entry) return
    pending.delete(ref!)
    if (entry.element) clearPending(entry.element)
    entry.done?.(error)
    if (pending.size === 0) root.removeAttribute('data-taupy-busy')
  }

  const hooks = hookRunner(options.hooks ?? {}, (el, name, value) => {
    const target = el.getAttribute('data-on-hook')
    if (target) return send({ type: 'event', target, event: 'hook', name, ...(value === undefined ? {} : { value }) }) > 0
    console.warn(`taupy: hook ${el.getAttribute('data-hook')} has no server handlers for ${name}`)
    return false
  })
  let joined = false

  const channel = connectChannel({
    onOpen() {
      for (const ref of pending.keys()) settle(ref, 'the connection dropped')
      const session = document.body.dataset.taupySession ?? ''
      send({ type: 'join', session, path: location.pathname + location.search })
      // Like LiveView, hooks mount once the page has joined, so pushEvent works in mounted;
      // after a drop they hear `reconnected` (a restarted backend knows nothing they told it).
      if (joined) hooks.reconnect()
      else mountHooks(document.body, hooks)
      joined = true
    },
    onMessage(raw) {
      const message = raw as ServerMessage
      switch (message.type) {
        case 'patch': {
          // Overwrite the focused field only when answering the user's own submit/key/click and
          // no keystrokes are still on their way; otherwise it would jump under the caret.
          const answering = message.ref === undefined ? undefined : pending.get(message.ref)?.event
          const typing = [...pending.values()].some((entry) => entry.event === 'input')
          const keepFocusedValue = answering === undefined || answering === 'input' || answering === 'hook' || typing
          applyPatches(message.patches, {
            keepFocusedValue,
            answering: message.ref,
            isPending: (ref) => pending.has(ref),
            hooks,
            ...(message.root ? { root: true } : {}),
          })
          break
        }
        case 'ack':
          settle(message.ref)
          break
        case 'stream':
          applyStream(message)
          break
        case 'navigate':
          if (message.path !== location.pathname + location.search) history.pushState(null, '', message.path)
          break
        case 'error':
          // A refused upload is the user's to read (in the file list), and a stale edit is
          // sent again whole: neither is a page error.
          if (message.code !== 'upload_refused' && message.code !== 'stale_edit') console.error(`taupy: ${message.code}: ${message.message}`)
          settle(message.ref, message.message)
          break
      }
    },
  })

  /** Sends a message with a new ref; returns the ref, or 0 when not connected. */
  function send(message: { type: string } & Record<string, unknown>, element?: Element, done?: (error?: string) => void): number {
    const ref = ++lastRef
    if (!channel.send({ ...message, ref })) return 0
    pending.set(ref, { event: typeof message.event === 'string' ? message.event : message.type, element, done })
    if (element) markPending(element)
    root.setAttribute('data-taupy-busy', '')
    return ref
  }

  runClientCommands()
  handleUploads((message, done, element) => send(message, element, done) > 0)
  forwardEvents((event, element, done) => {
    const ref = send({ type: 'event', ...event }, element, done)
    if (!ref) console.warn('taupy: not connected; the event was not sent')
    return ref
  }, blockedWhilePending)

  // In-app links: history entry + navigate message; a plain page load when offline.
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest<HTMLAnchorElement>('a[data-nav]') : null
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const path = link.pathname + link.search
    if (channel.state !== 'open') return
    event.preventDefault()
    if (path !== location.pathname + location.search) history.pushState(null, '', path)
    send({ type: 'navigate', path })
  })
  addEventListener('popstate', () => {
    if (!send({ type: 'navigate', path: location.pathname + location.search })) location.reload()
  })
}
