// The page's /ws, carried from Vite's dev server to the backend. Vite's own proxy logs every
// failure with a stack trace ("ws proxy error: ECONNREFUSED", "read ECONNRESET") and fails the
// page's socket while `taupy dev` restarts the backend, so Chromium logs errors too. A restart
// is routine: here an upgrade that arrives while the backend's port is closed waits for it
// (the page just sees a slow connect), a connection the restart cuts is closed without a word,
// and only a backend that stays away for 30 s earns one line.
// The request goes through as it came but for Host, the backend's own (as Vite's proxy did with
// changeOrigin): the Origin is the Vite page's, which the backend accepts through
// TAUPY_DEV_ORIGINS, and the cookie carries the secret.
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import { loopback } from './env.js'

const pollMs = 50
const giveUpMs = 30_000

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, loopback)
    probe.once('connect', () => (probe.destroy(), resolve(true)))
    probe.once('error', () => resolve(false))
  })
}

async function waitForPort(port: number, client: Duplex): Promise<boolean> {
  for (const deadline = Date.now() + giveUpMs; !client.destroyed; await new Promise((resolve) => setTimeout(resolve, pollMs))) {
    if (await answers(port)) return true
    if (Date.now() > deadline) return false
  }
  return false
}

/** An `upgrade` listener for Vite's HTTP server: forwards `path` to the backend on `port`. */
export function proxyBackendSocket(port: number, path = '/ws') {
  return (request: IncomingMessage, client: Duplex, head: Buffer): void => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) return
    // A page that goes away mid-connection is not an error worth reporting.
    client.on('error', () => client.destroy())
    void waitForPort(port, client).then((up) => {
      if (client.destroyed) return
      if (!up) {
        process.stderr.write(`taupy: the backend has not answered on port ${port} for ${giveUpMs / 1000} s; the page keeps retrying\n`)
        client.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        return
      }
      const backend = connect(port, loopback)
      backend.on('error', () => backend.destroy())
      backend.on('close', () => client.destroy())
      client.on('close', () => backend.destroy())
      backend.once('connect', () => {
        const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`]
        for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
          // The backend's own Host, as Vite's proxy sent with changeOrigin (the cookie is named after it).
          const value = request.rawHeaders[i]!.toLowerCase() === 'host' ? `${loopback}:${port}` : request.rawHeaders[i + 1]
          lines.push(`${request.rawHeaders[i]}: ${value}`)
        }
        backend.write(`${lines.join('\r\n')}\r\n\r\n`)
        if (head.length > 0) backend.write(head)
        backend.pipe(client)
        client.pipe(backend)
      })
    })
  }
}
