// The backend's security rules (scripts/server/security.ts) applied to Vite's dev server, which
// serves the app's source to whoever asks: the same judgeRequest() with Vite's own address. The
// page signs in with the secret (or the one-time code the browser was opened with), gets the
// cookie for its page loads and the secret in the URL fragment for its /ws, which Vite proxies
// to the backend with the secret in the query.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createOneTimeCode, judgeRequest, type Guard } from '../server/security.js'
import { loopback, type DevBackend } from './env.js'

function deny(response: ServerResponse, why: string): void {
  response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
  response.end(`403 Forbidden: ${why}.\nOpen the URL that \`npm run dev\` printed.\n`)
}

/** Connect middleware: answers the request itself (403, or 302 after signing in) or calls next. */
export function devGuard(backend: DevBackend, vitePort: number) {
  const guard: Guard = {
    secret: backend.secret,
    host: `${loopback}:${vitePort}`,
    extraHosts: [],
    extraOrigins: [],
    oneTime: backend.oneTime ? createOneTimeCode(backend.oneTime) : undefined,
  }
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const { host, origin, cookie, upgrade } = request.headers
    const verdict = judgeRequest(guard, { method: request.method ?? 'GET', url: request.url ?? '/', headers: { host, origin, cookie, upgrade } })
    if (verdict.allow) {
      if (verdict.setCookie) response.setHeader('set-cookie', verdict.setCookie)
      return next()
    }
    if (verdict.status === 403) return deny(response, verdict.reason)
    response.writeHead(302, { location: verdict.location, 'set-cookie': verdict.setCookie, 'cache-control': 'no-store' })
    response.end()
  }
}
