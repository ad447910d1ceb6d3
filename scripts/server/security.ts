// Who may talk to this server. A loopback port is reachable by every web page the user has
// open, so every request and WebSocket upgrade must pass three checks, in one onRequest hook:
// the Host is our loopback address (defeats DNS rebinding), the Origin, when sent, is ours
// (defeats cross-site WebSockets and form posts), and it carries the per-launch secret.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export const secretParam = 'taupy'

export function createSecret(): string {
  return randomBytes(32).toString('base64url')
}

export function secretsEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export interface Guard {
  secret: string
  /** Set once the server listens: `127.0.0.1:PORT`. */
  host: string
  /** Extra origins allowed besides our own (the Vite dev server, in dev mode). */
  extraOrigins: readonly string[]
  extraHosts: readonly string[]
}

/** Cookies ignore ports, so the name carries ours: two apps running at once keep their own. */
export const cookieName = (host: string): string => `taupy_${host.split(':')[1] ?? 'app'}`

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function deny(reply: FastifyReply, why: string): FastifyReply {
  return reply
    .code(403)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`403 Forbidden: ${why}.\nOpen this app from its own window (or the URL it printed when it started).\n`)
}

export function checkRequest(guard: Guard, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const host = request.headers.host
  if (!host || (host !== guard.host && !guard.extraHosts.includes(host))) return deny(reply, 'unexpected Host header')

  const origin = request.headers.origin
  const ownOrigin = `http://${guard.host}`
  const isUpgrade = request.headers.upgrade?.toLowerCase() === 'websocket'
  if (origin !== undefined || isUpgrade) {
    if (origin !== ownOrigin && !guard.extraOrigins.includes(origin ?? '')) return deny(reply, 'cross-origin request')
  }

  const name = cookieName(guard.host)
  const cookie = readCookie(request.headers.cookie, name)
  if (cookie !== undefined && secretsEqual(cookie, guard.secret)) return undefined

  const url = new URL(request.url, ownOrigin)
  const offered = url.searchParams.get(secretParam)
  if (offered === null || !secretsEqual(offered, guard.secret)) return deny(reply, 'missing or wrong app secret')

  // The secret arrives once in the URL; from then on it lives in a cookie scripts cannot read,
  // and the redirect keeps it out of the page's address and history.
  url.searchParams.delete(secretParam)
  reply.header('set-cookie', `${name}=${guard.secret}; Path=/; HttpOnly; SameSite=Strict`)
  if (request.method === 'GET' && !isUpgrade) {
    return reply.code(302).header('cache-control', 'no-store').redirect(url.pathname + url.search)
  }
  return undefined
}

export interface CspOptions {
  /** Extra sources per directive, e.g. { 'img-src': ['https:'] }. */
  extra?: Record<string, readonly string[]>
}

/** Scripts only from our origin, nothing framed, nothing posted elsewhere. */
export function contentSecurityPolicy(host: string, options: CspOptions = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    // Inline style cannot run code; frameworks and transitions set style attributes.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", `ws://${host}`],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  }
  for (const [directive, sources] of Object.entries(options.extra ?? {})) {
    directives[directive] = [...(directives[directive] ?? []), ...sources]
  }
  return Object.entries(directives)
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join('; ')
}

export function registerSecurity(fastify: FastifyInstance, guard: Guard, csp: CspOptions): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const denied = checkRequest(guard, request, reply)
    if (denied) return denied
  })
  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    const type = reply.getHeader('content-type')
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('content-security-policy', contentSecurityPolicy(guard.host, csp))
    }
    return payload
  })
}
