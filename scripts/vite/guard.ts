// The backend's security rules (scripts/server/security.ts) applied to Vite's dev server, which
// serves the app's source to whoever asks: the Host must be our loopback address, the Origin,
// when sent, ours, and the request must carry the per-launch secret (query once, then cookie).
// The cookie has the name the backend expects, so the proxied /ws upgrade is signed in too.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { cookieName, localTarget, secretParam, secretsEqual } from '../server/security.js'
import { loopback, type DevBackend } from './env.js'

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function deny(response: ServerResponse, why: string): void {
  response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
  response.end(`403 Forbidden: ${why}.\nOpen the URL that \`npm run dev\` printed.\n`)
}

/** Connect middleware: answers the request itself (403, or 302 after signing in) or calls next. */
export function devGuard(backend: DevBackend, vitePort: number) {
  const host = `${loopback}:${vitePort}`
  const origin = `http://${host}`
  const cookie = cookieName(`${loopback}:${backend.backendPort}`)
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    if (request.headers.host !== host) return deny(response, 'unexpected Host header')
    if (request.headers.origin !== undefined && request.headers.origin !== origin) return deny(response, 'cross-origin request')
    const given = readCookie(request.headers.cookie, cookie)
    if (given !== undefined && secretsEqual(given, backend.secret)) return next()
    const url = new URL(request.url ?? '/', origin)
    const offered = url.searchParams.get(secretParam)
    if (offered === null || !secretsEqual(offered, backend.secret)) return deny(response, 'missing or wrong app secret')
    url.searchParams.delete(secretParam)
    response.writeHead(302, {
      location: localTarget(request.url ?? '/', url.search),
      'set-cookie': `${cookie}=${backend.secret}; Path=/; HttpOnly; SameSite=Strict`,
      'cache-control': 'no-store',
    })
    response.end()
  }
}
