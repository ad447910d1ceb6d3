// The shared backend core against the requests a hostile web page or local process can make.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type WebSocket from 'ws'
import { cookieValue, judgeRequest, type Guard } from '../scripts/server/security.js'
import { coreServer, startBackend, type Backend } from './helpers/backend.js'
import { closed, nextMessage, openSocket, rawGet } from './helpers/http.js'

let backend: Backend
let cookie: string

before(async () => {
  backend = await startBackend(coreServer)
  // The cookie as a browser holds it after signing in.
  const signIn = await rawGet(backend.origin, `/?taupy=${backend.secret}`, { host: backend.host })
  cookie = String(signIn.headers['set-cookie']).split(';')[0]!
})
after(() => backend?.stop())

const signedIn = (extra: Record<string, string> = {}) => ({ host: backend.host, cookie, ...extra })
/** The page presents the secret it holds in memory (sessionStorage) on /ws. */
const wsUrl = () => `ws://${backend.host}/ws?taupy=${backend.secret}`
const cookieName = () => `taupy_${new URL(backend.origin).port}`

describe('HTTP', () => {
  test('listens on loopback only, with a 43-character secret in the ready URL', () => {
    assert.equal(new URL(backend.url).hostname, '127.0.0.1')
    assert.equal(backend.secret.length, 43)
  })

  test('the secret in the URL is traded for an HttpOnly SameSite=Strict cookie and removed', async () => {
    const response = await rawGet(backend.origin, `/?taupy=${backend.secret}`, { host: backend.host })
    assert.equal(response.status, 302)
    // The fragment never reaches a server: the page keeps it (sessionStorage) for /ws.
    assert.equal(response.headers.location, `/#taupy=${backend.secret}`)
    const setCookie = String(response.headers['set-cookie'])
    assert.match(setCookie, new RegExp(`^${cookieName()}=[\\w-]{43}; Path=/; HttpOnly; SameSite=Strict$`))
  })

  test('a page load with the secret signs in even with the cookie (a further window needs the fragment)', async () => {
    const response = await rawGet(backend.origin, `/settings?tab=2&taupy=${backend.secret}`, signedIn())
    assert.equal(response.status, 302)
    assert.equal(response.headers.location, `/settings?tab=2#taupy=${backend.secret}`)
    // A wrong secret next to a good cookie is no sign-in; the cookie still loads the page.
    assert.equal((await rawGet(backend.origin, '/?taupy=wrong', signedIn())).status, 200)
  })

  test('a request without the secret, or with a wrong one, gets 403', async () => {
    assert.equal((await rawGet(backend.origin, '/', { host: backend.host })).status, 403)
    assert.equal((await rawGet(backend.origin, '/data.json', { host: backend.host })).status, 403)
    assert.equal((await rawGet(backend.origin, '/?taupy=wrong', { host: backend.host })).status, 403)
    const wrongCookie = `${cookieName()}=${'x'.repeat(43)}`
    assert.equal((await rawGet(backend.origin, '/', { host: backend.host, cookie: wrongCookie })).status, 403)
  })

  test('a foreign Host header gets 403 even with the secret (DNS rebinding)', async () => {
    for (const host of [`evil.example:${new URL(backend.origin).port}`, `localhost:${new URL(backend.origin).port}`, '127.0.0.1:1']) {
      const response = await rawGet(backend.origin, `/?taupy=${backend.secret}`, { host, cookie })
      assert.equal(response.status, 403, host)
      assert.match(response.body, /Host/)
    }
  })

  test('a cross-origin request gets 403 even with the cookie', async () => {
    const response = await rawGet(backend.origin, '/data.json', signedIn({ origin: 'http://evil.example' }))
    assert.equal(response.status, 403)
  })

  test('signed-in HTML carries a strict CSP; JSON does not need one', async () => {
    const html = await rawGet(backend.origin, '/', signedIn())
    assert.equal(html.status, 200)
    const csp = String(html.headers['content-security-policy'])
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /object-src 'none'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(html.headers['x-content-type-options'], 'nosniff')
    const json = await rawGet(backend.origin, '/data.json', signedIn({ origin: backend.origin }))
    assert.equal(json.status, 200)
  })
})

describe('/ws upgrade', () => {
  test('without the secret: 403', async () => {
    assert.equal(await openSocket(`ws://${backend.host}/ws`, { origin: backend.origin }), 403)
  })
  test('from a foreign origin, even with the cookie: 403', async () => {
    assert.equal(await openSocket(wsUrl(), { origin: 'http://evil.example', cookie }), 403)
    assert.equal(await openSocket(wsUrl(), { origin: `http://localhost:${new URL(backend.origin).port}`, cookie }), 403)
  })
  test('without an Origin header: 403', async () => {
    assert.equal(await openSocket(wsUrl(), { cookie }), 403)
  })
  test('with a foreign Host: 403', async () => {
    assert.equal(await openSocket(wsUrl(), { origin: backend.origin, cookie, host: 'evil.example' }), 403)
  })
  test('a refused upgrade is answered and its connection closed by the server', { timeout: 15_000 }, async () => {
    // Node hands an upgrade's socket over to the app; one left open after the 403 keeps a file
    // descriptor per attempt (any web page can make them) and fastify.close() waits for it forever.
    const { port } = new URL(backend.origin)
    const socket = connect(Number(port), '127.0.0.1')
    let response = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => (response += chunk))
    const ended = once(socket, 'end')
    socket.write(
      `GET /ws?taupy=${backend.secret} HTTP/1.1\r\nHost: ${backend.host}\r\nOrigin: http://evil.example\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    )
    await ended
    socket.destroy()
    assert.match(response, /^HTTP\/1\.1 403 /)
  })
})

describe('/ws messages', () => {
  let socket: WebSocket
  before(async () => {
    const opened = await openSocket(wsUrl(), { origin: backend.origin, cookie })
    assert.notEqual(typeof opened, 'number')
    socket = opened as WebSocket
  })
  after(() => socket?.close())

  const exchange = async (frame: string | Buffer, binary = false) => {
    const reply = nextMessage(socket)
    socket.send(frame, { binary })
    return reply
  }

  test('a valid message is answered', async () => {
    assert.deepEqual(await exchange(JSON.stringify({ type: 'echo', ref: 1, text: 'hi' })), { type: 'echo', ref: 1, text: 'hi' })
  })
  test('malformed JSON gets bad_json', async () => {
    assert.equal((await exchange('{"type": ')).code, 'bad_json')
  })
  test('a message outside the protocol gets bad_message with its ref', async () => {
    const reply = await exchange(JSON.stringify({ type: 'echo', ref: 7, text: 42 }))
    assert.equal(reply.code, 'bad_message')
    assert.equal(reply.ref, 7)
    assert.equal((await exchange(JSON.stringify({ type: 'nope', ref: 8 }))).code, 'bad_message')
    assert.equal((await exchange('[1,2,3]')).code, 'bad_message')
  })
  test('a binary frame gets binary_frame', async () => {
    assert.equal((await exchange(Buffer.from([1, 2, 3]), true)).code, 'binary_frame')
  })
  test('a throwing handler gets handler_failed with its ref; the session lives on', async () => {
    const reply = await exchange(JSON.stringify({ type: 'boom', ref: 9 }))
    assert.deepEqual(reply, { type: 'error', code: 'handler_failed', message: 'the handler broke on purpose', ref: 9 })
    assert.equal((await exchange(JSON.stringify({ type: 'echo', ref: 10, text: 'still here' }))).text, 'still here')
  })
  test('an oversized frame closes that socket with 1009; the server lives on', async () => {
    const big = await openSocket(wsUrl(), { origin: backend.origin, cookie })
    assert.notEqual(typeof big, 'number')
    const ws = big as WebSocket
    const code = closed(ws)
    ws.send(JSON.stringify({ type: 'echo', ref: 1, text: 'x'.repeat(300 * 1024) }))
    assert.equal(await code, 1009)
    assert.equal((await exchange(JSON.stringify({ type: 'echo', ref: 11, text: 'ok' }))).ref, 11)
  })
  test('a flood beyond the rate limit is refused with rate_limited, not queued', async () => {
    const flood = await openSocket(wsUrl(), { origin: backend.origin, cookie })
    const ws = flood as WebSocket
    const codes: string[] = []
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; code?: string }
        codes.push(message.code ?? message.type)
        if (codes.length === 2000) resolve()
      })
    })
    for (let ref = 0; ref < 2000; ref++) ws.send(JSON.stringify({ type: 'echo', ref, text: '' }))
    await done
    ws.close()
    assert.ok(codes.includes('rate_limited'), 'some messages were refused')
    assert.ok(codes.filter((code) => code === 'echo').length >= 500, 'the burst allowance was served')
  })
})

describe('review round 2: redirects, CSP beyond HTML, the environment', () => {
  /** A GET whose request line carries `path` exactly (rawGet would parse `//host/…` as a host). */
  const getPath = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const { hostname, port } = new URL(backend.origin)
      const req = httpRequest({ hostname, port, path, method: 'GET', headers }, (res) => {
        res.resume()
        resolve({ status: res.statusCode ?? 0, location: res.headers.location })
      })
      req.on('error', reject)
      req.end()
    })

  test('the post-secret redirect stays on this server, whatever the path looks like', async () => {
    for (const path of ['//x//evil.example/', '//evil.example/', '/\\evil.example/', '/%2F%2Fevil.example/']) {
      const response = await getPath(`${path}?taupy=${backend.secret}`, { host: backend.host })
      assert.equal(response.status, 302, path)
      const location = response.location ?? ''
      assert.match(location, /^\/(?![\/\\])/, `${path} redirected to ${location}`)
      assert.equal(new URL(location, backend.origin).host, backend.host, `${path} redirected to ${location}`)
    }
  })

  test('SVG and XML responses carry the CSP too (both can run script)', async () => {
    for (const path of ['/image.svg', '/feed.xml']) {
      const response = await rawGet(backend.origin, path, signedIn())
      assert.equal(response.status, 200, path)
      assert.match(String(response.headers['content-security-policy']), /script-src 'self'/, path)
    }
  })

  test('a production backend ignores TAUPY_SECRET and TAUPY_PORT it finds in its environment', async () => {
    const planted = await startBackend(coreServer, { TAUPY_SECRET: 'planted-secret-planted-secret-planted-secre' })
    try {
      assert.notEqual(planted.secret, 'planted-secret-planted-secret-planted-secre')
    } finally {
      await planted.stop()
    }
  })

  test('the dev supervisor may set them (TAUPY_DEV=1), and the backend’s children do not inherit them', async () => {
    const secret = 'dev-secret-dev-secret-dev-secret-dev-secret'
    const dev = await startBackend(coreServer, { TAUPY_DEV: '1', TAUPY_SECRET: secret })
    try {
      assert.equal(dev.secret, secret)
      const inherited = await rawGet(dev.origin, `/inherited-env.json`, { host: dev.host, cookie: `taupy_${new URL(dev.origin).port}=${cookieValue(secret)}` })
      assert.deepEqual(JSON.parse(inherited.body), { secret: null, port: null })
    } finally {
      await dev.stop()
    }
  })
})

describe('review round 2: another local server the browser visits (browser mode)', () => {
  // Cookies ignore ports: whatever cookie the app sets, every server on 127.0.0.1 receives it.
  test('the cookie is not the secret: a server that receives it cannot sign in with it', async () => {
    const value = cookie.split('=')[1]!
    assert.notEqual(value, backend.secret)
    assert.equal((await rawGet(backend.origin, `/?taupy=${value}`, { host: backend.host })).status, 403)
  })

  test('the cookie alone does not open /ws: the page must present the secret it holds', async () => {
    assert.equal(await openSocket(`ws://${backend.host}/ws`, { origin: backend.origin, cookie }), 403)
    const socket = await openSocket(wsUrl(), { origin: backend.origin })
    assert.notEqual(typeof socket, 'number', 'the secret from the fragment is enough')
    ;(socket as WebSocket).close()
  })

  test('a planted cookie of the same name does not lock the app out (every cookie of the name is checked)', async () => {
    const planted = `${cookieName()}=${'p'.repeat(43)}`
    assert.equal((await rawGet(backend.origin, '/', { host: backend.host, cookie: `${planted}; ${cookie}` })).status, 200)
    assert.equal((await rawGet(backend.origin, '/', { host: backend.host, cookie: `${planted}; other=1` })).status, 403)
  })
})

describe('review round 2: a one-time URL for the browser, not the secret on a command line', () => {
  test('the ready line carries openUrl: a one-time code, not the secret', () => {
    assert.ok(backend.openUrl, 'ready line without openUrl')
    const open = new URL(backend.openUrl)
    assert.equal(open.host, backend.host)
    assert.ok(!backend.openUrl.includes(backend.secret), 'openUrl must not contain the secret')
    assert.match(open.searchParams.get('taupy_once') ?? '', /^[\w-]{20,}$/)
  })

  test('the code signs in once; a second use gets 403', async () => {
    const path = new URL(backend.openUrl!).pathname + new URL(backend.openUrl!).search
    const first = await rawGet(backend.origin, path, { host: backend.host })
    assert.equal(first.status, 302)
    assert.equal(first.headers.location, `/#taupy=${backend.secret}`)
    assert.match(String(first.headers['set-cookie']), new RegExp(`^${cookieName()}=`))
    const second = await rawGet(backend.origin, path, { host: backend.host })
    assert.equal(second.status, 403)
    assert.match(second.body, /one-time/)
  })

  test('request logs never hold the secret or the one-time code', async () => {
    const logged = await startBackend(coreServer, { TAUPY_LOG_LEVEL: 'info' })
    try {
      await rawGet(logged.origin, `/?taupy=${logged.secret}`, { host: logged.host })
      const code = new URL(logged.openUrl!).searchParams.get('taupy_once')!
      await rawGet(logged.origin, `/?taupy_once=${code}`, { host: logged.host })
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.match(logged.stderr(), /incoming request/)
      assert.ok(!logged.stderr().includes(logged.secret), 'the secret is in the log')
      assert.ok(!logged.stderr().includes(code), 'the one-time code is in the log')
    } finally {
      await logged.stop()
    }
  })

  test('an expired code is refused', () => {
    const guard: Guard = { secret: 's', host: '127.0.0.1:1', extraHosts: [], extraOrigins: [], oneTime: { code: 'c'.repeat(32), expiresAt: Date.now() - 1, used: false } }
    const verdict = judgeRequest(guard, { method: 'GET', url: `/?taupy_once=${'c'.repeat(32)}`, headers: { host: '127.0.0.1:1' } })
    assert.equal(verdict.allow, false)
    assert.equal(!verdict.allow && verdict.status, 403)
  })
})
