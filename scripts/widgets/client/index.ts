// The widgets browser runtime: joins the server-rendered session over /ws, forwards events,
// applies patches and keeps the address bar in step with the router. Events are sent once and
// never replayed after a reconnect (at most once); the re-join returns the whole page.
import { connectChannel } from '../../client/socket.js'
import type { ServerMessage } from '../protocol.js'
import { forwardEvents } from './events.js'
import { applyPatches } from './patch.js'

let lastRef = 0
/** Event type of every message not yet acknowledged, by ref. */
const pending = new Map<number, string>()
const root = document.documentElement

const settle = (ref: number | undefined): void => {
  if (ref === undefined || !pending.delete(ref)) return
  if (pending.size === 0) root.removeAttribute('data-taupy-busy')
}

const channel = connectChannel({
  onOpen() {
    for (const ref of pending.keys()) settle(ref)
    const session = document.body.dataset.taupySession ?? ''
    send({ type: 'join', session, path: location.pathname + location.search })
  },
  onMessage(raw) {
    const message = raw as ServerMessage
    switch (message.type) {
      case 'patch': {
        // Overwrite the focused field only when answering the user's own submit/key/click and
        // no keystrokes are still on their way; otherwise it would jump under the caret.
        const answering = message.ref === undefined ? undefined : pending.get(message.ref)
        const typing = [...pending.values()].includes('input')
        const keepFocusedValue = answering === undefined || answering === 'input' || typing
        applyPatches(message.patches, { keepFocusedValue, ...(message.root ? { root: true } : {}) })
        break
      }
      case 'ack':
        settle(message.ref)
        break
      case 'navigate':
        if (message.path !== location.pathname + location.search) history.pushState(null, '', message.path)
        break
      case 'error':
        console.error(`taupy: ${message.code}: ${message.message}`)
        settle(message.ref)
        break
    }
  },
})

function send(message: { type: string } & Record<string, unknown>): boolean {
  const ref = ++lastRef
  if (!channel.send({ ...message, ref })) return false
  pending.set(ref, typeof message.event === 'string' ? message.event : message.type)
  root.setAttribute('data-taupy-busy', '')
  return true
}

forwardEvents((event) => {
  if (!send({ type: 'event', ...event })) console.warn('taupy: not connected; the event was not sent')
})

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
