// Who may talk to this server. A loopback port is reachable by every web page the user has
// open, so every request and WebSocket upgrade must pass three checks, in one onRequest hook:
// the Host is our loopback address (defeats DNS rebinding), the Origin, when sent, is ours
// (defeats cross-site WebSockets and form posts), and it carries the per-launch secret.
// Cookies ignore ports, so every server on 127.0.0.1 the browser visits receives ours: the
// cookie is only a derived value that loads pages, and /ws (where the app acts) wants the
// secret itself, which the page keeps in sessionStorage (per origin, so per port).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'

export const secretParam = 'taupy'
/** The query parameter of the one-time URL a browser is opened with. */
export const oneTimeParam = 'taupy_once'
/** How long the one-time URL stays valid: long enough for a browser to start. */
export const oneTimeMs = 30_000

export function createSecret(): string {
  return randomBytes(32).toString('base64url')
}

export function secretsEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export interface OneTimeCode {
  code: string
  expiresAt: number
  used: boolean
}

export function createOneTimeCode(code = createSecret(), validMs = oneTimeMs): OneTimeCode {
  return { code, expiresAt: Date.now() + validMs, used: false }
}

/** What the cookie holds: derived from the secret, so it cannot be turned back into it. */
export function cookieValue(secret: string): string {
  return createHmac('sha256', secret).update('taupy cookie v1').digest('base64url')
}

export interface Guard {
  secret: string
  /** The one-time code of the URL a browser is opened with (ready line `openUrl`). */
  oneTime?: OneTimeCode
  /** Set once the server listens: `127.0.0.1:PORT`. */
  host: string
  /** Extra hosts and origins allowed besides our own (the Vite dev server, in dev mode). */
  extraHosts: readonly string[]
  extraOrigins: readonly string[]
}

/** Cookies ignore ports, so the name carries the port: two apps running at once keep their own. */
export const cookieName = (host: string): string => `taupy_${host.split(':')[1] ?? 'app'}`

/**
 * Every cookie of that name: another server on 127.0.0.1 can plant one of the same name (on a
 * longer Path, so the browser sends it first); reading only the first would lock the app out.
 */
export function readCookies(header: string | undefined, name: string): string[] {
  const values: string[] = []
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim())
  }
  return values
}

export function hasCookie(header: string | undefined, name: string, expected: string): boolean {
  // No early return: each candidate is compared in constant time.
  return readCookies(header, name).reduce((found, value) => secretsEqual(value, expected) || found, false)
}

export interface IncomingRequest {
  method: string
  /** Path and query, as in the request line. */
  url: string
  headers: { host?: string; origin?: string; cookie?: string; upgrade?: string }
}

export type Verdict =
  | { allow: true; setCookie?: string }
  | { allow: false; status: 403; reason: string }
  | { allow: false; status: 302; location: string; setCookie: string }

/**
 * The whole policy as one function, so the Fastify hook and the Vite dev server (which
 * serves the page in dev mode) apply exactly the same rules. Its one side effect: it spends
 * the one-time code.
 */
export function judgeRequest(guard: Guard, request: IncomingRequest): Verdict {
  const { host, origin } = request.headers
  if (!host || (host !== guard.host && !guard.extraHosts.includes(host))) {
    return { allow: false, status: 403, reason: 'unexpected Host header' }
  }
  const isUpgrade = request.headers.upgrade?.toLowerCase() === 'websocket'
  if (origin !== undefined || isUpgrade) {
    if (origin !== `http://${host}` && origin !== `http://${guard.host}` && !guard.extraOrigins.includes(origin ?? '')) {
      return { allow: false, status: 403, reason: 'cross-origin request' }
    }
  }

  const name = cookieName(host)
  const setCookie = `${name}=${cookieValue(guard.secret)}; Path=/; HttpOnly; SameSite=Strict`
  const url = new URL(request.url, `http://${host}`)
  const signIn = (param: string): Verdict => {
    url.searchParams.delete(param)
    // The redirect keeps the secret out of the address bar and history; the fragment carries it
    // to the page's script without ever being sent to a server (scripts/client/socket.ts).
    return { allow: false, status: 302, location: `${localTarget(request.url, url.search)}#${secretParam}=${guard.secret}`, setCookie }
  }
  const isPageLoad = request.method === 'GET' && !isUpgrade

  const once = url.searchParams.get(oneTimeParam)
  if (once !== null && isPageLoad) {
    const code = guard.oneTime
    const valid = code !== undefined && secretsEqual(once, code.code)
    if (!valid || code.used || Date.now() > code.expiresAt) {
      return { allow: false, status: 403, reason: 'this one-time link was used already or has expired; start the app again' }
    }
    code.used = true
    return signIn(oneTimeParam)
  }

  const offered = url.searchParams.get(secretParam)
  const offeredRight = offered !== null && secretsEqual(offered, guard.secret)
  // A page load with the secret signs in even when the cookie is there already: each window
  // keeps the secret in its own sessionStorage, so a further launcher window (create_window)
  // loads its first page with the secret as main did, and needs the redirect's fragment.
  if (offeredRight && isPageLoad) return signIn(secretParam)

  // /ws is where the app acts: it needs the secret itself, which only the page holds. The
  // cookie, which every local server the browser visits receives, opens no socket.
  if (!isUpgrade && hasCookie(request.headers.cookie, name, cookieValue(guard.secret))) return { allow: true }

  if (!offeredRight) {
    return { allow: false, status: 403, reason: 'missing or wrong app secret' }
  }
  return { allow: true, setCookie }
}

/**
 * Where to send the browser after it signed in: the same path on this server. Built from the
 * request line, not from a parsed URL: `//evil.example/` is a path to us but a host to a URL
 * parser and to the browser reading `Location`, so leading slashes and backslashes fold into one.
 */
export function localTarget(requestUrl: string, search: string): string {
  const path = requestUrl.split(/[?#]/, 1)[0] ?? '/'
  return '/' + path.replace(/^[/\\]+/, '') + search
}

export const deniedText = (reason: string): string =>
  `403 Forbidden: ${reason}.\nOpen this app from its own window (or the URL it printed when it started).\n`

function applyVerdict(verdict: Verdict, reply: FastifyReply): FastifyReply | undefined {
  if (verdict.allow) {
    if (verdict.setCookie) reply.header('set-cookie', verdict.setCookie)
    return undefined
  }
  reply.header('cache-control', 'no-store')
  if (verdict.status === 302) return reply.header('set-cookie', verdict.setCookie).redirect(verdict.location, 302)
  return reply.code(403).header('content-type', 'text/plain; charset=utf-8').send(deniedText(verdict.reason))
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

/** HTML, SVG and XML documents can all run script when opened; each gets the CSP. */
export const runsScript = (contentType: string): boolean =>
  /^(text\/html|image\/svg\+xml|application\/(xhtml\+)?xml|text\/xml)\b/i.test(contentType) || /\+xml\b/i.test(contentType.split(';')[0]!)

export function registerSecurity(fastify: FastifyInstance, guard: Guard, csp: CspOptions): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const denied = applyVerdict(judgeRequest(guard, request), reply)
    if (denied) return denied
  })
  // An upgrade answered over HTTP (refused here) was never upgraded: Node handed its socket to
  // the app at 'upgrade', and nothing else closes it. Left open, each attempt (any page can make
  // them) keeps a descriptor, and fastify.close() waits for it forever.
  fastify.addHook('onResponse', async (request) => {
    if (request.headers.upgrade !== undefined) request.raw.socket.destroy()
  })
  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    const type = reply.getHeader('content-type')
    if (typeof type === 'string' && runsScript(type)) {
      reply.header('content-security-policy', contentSecurityPolicy(guard.host, csp))
    }
    return payload
  })
}
