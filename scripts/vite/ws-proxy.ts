// The page's /ws, carried from Vite's dev server to the backend. Vite's own proxy logs every
// failure with a stack trace ("ws proxy error: ECONNREFUSED", "read ECONNRESET") and fails the
// page's socket while `taupy dev` restarts the backend, so Chromium logs errors too. A restart
// is routine: here an upgrade that no backend answers (the port is closed, or the connection
// is dropped before a reply) is tried again until one does, so the page just sees a slow
// connect; a connection the restart cuts later is closed without a word; and only a backend
// that stays away for 30 s earns one line.
// The request goes through as it came but for Host, the backend's own (as Vite's proxy did with
// changeOrigin): the Origin is the Vite page's, which the backend accepts through
// TAUPY_DEV_ORIGINS, and the cookie or query carries the secret.
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import { loopback } from './env.js'

const retryMs = 50
const giveUpMs = 30_000

function requestHead(request: IncomingMessage, host: string): string {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`]
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!
    lines.push(`${name}: ${name.toLowerCase() === 'host' ? host : request.rawHeaders[i + 1]}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** An `upgrade` listener for Vite's HTTP server: forwards `path` to the backend on `port`. */
export function proxyBackendSocket(port: number, path = '/ws') {
  return (request: IncomingMessage, client: Duplex, head: Buffer): void => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) return
    const outgoing = requestHead(request, `${loopback}:${port}`)
    const deadline = Date.now() + giveUpMs
    let upstream: Duplex | undefined
    // A page that goes away mid-connection is not an error worth reporting.
    client.on('error', () => client.destroy())
    client.on('close', () => upstream?.destroy())

    const attempt = (): void => {
      if (client.destroyed) return
      const socket = connect(port, loopback)
      upstream = socket
      let answered = false
      socket.on('error', () => socket.destroy())
      socket.once('connect', () => {
        socket.write(outgoing)
        if (head.length > 0) socket.write(head)
      })
      socket.once('data', (first) => {
        answered = true
        client.write(first)
        socket.pipe(client)
        client.pipe(socket)
      })
      socket.once('close', () => {
        if (answered) return void client.destroy()
        if (client.destroyed) return
        // Nothing was said to the page yet: the same request can go to the next backend.
        if (Date.now() < deadline) return void setTimeout(attempt, retryMs)
        process.stderr.write(`taupy: the backend has not answered on port ${port} for ${giveUpMs / 1000} s; the page keeps retrying\n`)
        client.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      })
    }
    attempt()
  }
}
