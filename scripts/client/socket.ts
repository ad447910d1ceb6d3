// Browser side of the /ws channel, shared by every template: one WebSocket to the page's own
// origin (the app cookie rides along), JSON both ways, and reconnection with capped
// exponential backoff. The current state is mirrored on <html data-taupy-connection="…">
// so a stylesheet can show "reconnecting" without any script.
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ChannelOptions {
  path?: string
  onMessage(message: unknown): void
  /** Called on every (re)connection: the place to join or re-sync. */
  onOpen?(): void
  onState?(state: ConnectionState): void
}

export interface Channel {
  readonly state: ConnectionState
  /** Sends when open; returns false (and sends nothing) otherwise. */
  send(message: object): boolean
  close(): void
}

// The server is on this machine: a failed attempt costs next to nothing, and a backend that
// restarts (dev mode, an update) is usually back within a second.
const backoff = { firstMs: 50, maxMs: 1000 }

// Dev mode (`taupy dev`): the backend announces its build on every connection; a new build
// means new code, so the page reloads. While the backend cannot start, a stand-in sends the
// error, shown as an overlay until the next good build.
let devBuild: string | undefined
function handleDevMessage(message: unknown): boolean {
  const { type, build, message: text } = (message ?? {}) as { type?: string; build?: string; message?: string }
  if (type === 'dev_hello') {
    if (devBuild !== undefined && devBuild !== build) location.reload()
    devBuild = build
    return true
  }
  if (type === 'dev_error') {
    showDevError(String(text))
    devBuild = ''
    return true
  }
  return false
}

function showDevError(text: string): void {
  let overlay = document.getElementById('taupy-dev-error')
  if (!overlay) {
    overlay = document.createElement('div')
    overlay.id = 'taupy-dev-error'
    overlay.setAttribute('role', 'alert')
    overlay.style.cssText =
      'position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;background:rgba(30,0,0,.92);color:#fdd;font:13px/1.5 ui-monospace,monospace;white-space:pre-wrap'
    document.body.append(overlay)
  }
  overlay.textContent = `The backend did not start. Save a fix and this page reloads.\n\n${text}`
}

// After a hot update a new channel replaces an old one that closes later: only the newest
// speaks for the page on <html data-taupy-connection>.
let newest: object | undefined

export function connectChannel(options: ChannelOptions): Channel {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${options.path ?? '/ws'}`
  let socket: WebSocket | undefined
  let state: ConnectionState = 'connecting'
  let attempt = 0
  let stopped = false
  const self = {}
  newest = self

  const setState = (next: ConnectionState): void => {
    state = next
    if (newest === self) document.documentElement.dataset.taupyConnection = next
    options.onState?.(next)
  }

  const open = (): void => {
    const ws = new WebSocket(url)
    socket = ws
    ws.onopen = () => {
      attempt = 0
      setState('open')
      options.onOpen?.()
    }
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return
      let message: unknown
      try {
        message = JSON.parse(event.data)
      } catch {
        console.error('taupy: the server sent a message that is not JSON')
        return
      }
      if (!handleDevMessage(message)) options.onMessage(message)
    }
    ws.onclose = () => {
      if (socket !== ws) return
      if (stopped) return setState('closed')
      setState('reconnecting')
      const delay = Math.min(backoff.maxMs, backoff.firstMs * 2 ** attempt) * (0.75 + Math.random() / 2)
      attempt += 1
      setTimeout(open, delay)
    }
  }

  setState('connecting')
  open()
  return {
    get state() {
      return state
    },
    send(message) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false
      socket.send(JSON.stringify(message))
      return true
    },
    close() {
      stopped = true
      socket?.close()
    },
  }
}
