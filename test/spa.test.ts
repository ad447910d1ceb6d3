// The React/Lit link to the backend: JSON diffs, the server store and calls over a real Fastify
// /ws, the Vite dev guard on a real HTTP server, and the demo backend both templates share.
import { Type } from '@sinclair/typebox'
import assert from 'node:assert/strict'
import { createServer as createHttpServer, get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import WebSocket from 'ws'
import { createServer } from '../scripts/server/index.js'
import { defineApi } from '../scripts/sync/api.js'
import { applyPatch, diff } from '../scripts/sync/diff.js'
import { createStore, serveApi } from '../scripts/sync/server.js'
import { devGuard } from '../scripts/vite/guard.js'

test('diff + applyPatch reproduce the new value and leave the old one untouched', () => {
  const random = (depth: number, seed: { n: number }): unknown => {
    const next = () => (seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const kind = depth > 3 ? Math.floor(next() * 4) : Math.floor(next() * 6)
    if (kind === 0) return null
    if (kind === 1) return next() > 0.5
    if (kind === 2) return Math.floor(next() * 5)
    if (kind === 3) return ['a', 'b', '__proto__'][Math.floor(next() * 3)]
    if (kind === 4) return Array.from({ length: Math.floor(next() * 4) }, () => random(depth + 1, seed))
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [['x', 'y', 'z', '__proto__'][i]!, random(depth + 1, seed)]))
  }
  for (let n = 1; n <= 2000; n++) {
    const before = JSON.parse(JSON.stringify(random(0, { n })))
    const after = JSON.parse(JSON.stringify(random(0, { n: n * 7919 })))
    const frozen = JSON.stringify(before)
    const patched = applyPatch(before, JSON.parse(JSON.stringify(diff(before, after))))
    assert.deepEqual(patched, after, `case ${n}`)
    assert.equal(JSON.stringify(before), frozen, `case ${n}: the old value is unchanged`)
  }
})

test('only the changed path travels, and unchanged parts stay the same objects', () => {
  const before = { todos: [{ id: 1, done: false }, { id: 2, done: false }], count: 3 }
  const after = { ...before, todos: [before.todos[0]!, { id: 2, done: true }] }
  assert.deepEqual(diff(before, after), [{ op: 'set', path: ['todos', 1, 'done'], value: true }])
  const patched = applyPatch(before, diff(before, after)) as typeof before
  assert.equal(patched.todos[0], before.todos[0])
  assert.notEqual(patched.todos, before.todos)
})

const api = defineApi({
  state: { count: Type.Integer(), items: Type.Array(Type.String()) },
  calls: {
    add: { args: [Type.Integer()], result: Type.Integer() },
    boom: { args: [] },
  },
})

describeBackend()
function describeBackend(): void {
  let url = ''
  let close: () => Promise<void> = async () => {}
  before(async () => {
    process.env.TAUPY_SECRET = 'spa-test-secret'
    const server = await createServer()
    delete process.env.TAUPY_SECRET
    const store = createStore(api, { count: 0, items: ['a'] })
    serveApi(server.fastify, {
      api,
      store,
      calls: {
        add: (by) => store.update('count', (count) => count + by),
        boom() {
          throw new Error('kaboom')
        },
      },
    })
    const ready = await server.listen()
    url = ready.replace('http', 'ws').replace('/?', '/ws?')
    close = () => server.fastify.close()
  })
  after(() => close())

  const connect = async () => {
    const socket = new WebSocket(url, { origin: new URL(url.replace('ws', 'http')).origin })
    const inbox: Record<string, unknown>[] = []
    const waiters: (() => void)[] = []
    socket.on('message', (data) => {
      inbox.push(JSON.parse(String(data)))
      waiters.splice(0).forEach((wake) => wake())
    })
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    const next = async (): Promise<Record<string, unknown>> => {
      while (inbox.length === 0) await new Promise<void>((wake) => waiters.push(wake))
      return inbox.shift()!
    }
    return { socket, next, send: (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)) }
  }

  test('subscribe → full state, then patches to every subscriber; calls resolve after their patch', async () => {
    const a = await connect()
    const b = await connect()
    for (const client of [a, b]) {
      client.send({ type: 'subscribe', ref: 1, name: 'count' })
      assert.deepEqual(await client.next(), { type: 'state', name: 'count', version: 0, value: 0 })
    }
    a.send({ type: 'call', ref: 2, name: 'add', args: [5] })
    assert.deepEqual(await a.next(), { type: 'patch', name: 'count', version: 1, ops: [{ op: 'set', path: [], value: 5 }] })
    assert.deepEqual(await a.next(), { type: 'result', ref: 2, value: 5 })
    assert.deepEqual(await b.next(), { type: 'patch', name: 'count', version: 1, ops: [{ op: 'set', path: [], value: 5 }] })
    a.socket.close()
    b.socket.close()
  })

  test('bad messages, bad arguments, unknown names and throwing handlers are answered; the server lives on', async () => {
    const c = await connect()
    c.send('not json')
    assert.equal((await c.next()).code, 'bad_json')
    c.send({ type: 'call', ref: 3, name: 'add', args: ['five'] })
    assert.deepEqual(Object.entries(await c.next()).filter(([key]) => key !== 'message'), [['type', 'error'], ['code', 'bad_message'], ['ref', 3]])
    c.send({ type: 'call', ref: 4, name: 'constructor', args: [] })
    assert.equal((await c.next()).code, 'unknown_target')
    c.send({ type: 'subscribe', ref: 5, name: 'nope' })
    assert.equal((await c.next()).code, 'unknown_target')
    c.send({ type: 'call', ref: 6, name: 'boom', args: [] })
    assert.deepEqual(await c.next(), { type: 'error', code: 'handler_failed', message: 'kaboom', ref: 6 })
    c.send({ type: 'call', ref: 7, name: 'add', args: [0] })
    assert.equal((await c.next()).type, 'result')
    c.socket.close()
  })
}

test('the Vite dev guard: exact loopback Host, our Origin, and the secret before anything is served', async () => {
  const server = createHttpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const guard = devGuard({ backendPort: 4321, secret: 's3cret' }, port)
  server.on('request', (request, response) => guard(request, response, () => response.end('served')))
  const fetchRaw = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, headers }, (response) => {
        let body = ''
        response.on('data', (chunk) => (body += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
      }).on('error', reject)
    })
  try {
    assert.equal((await fetchRaw('/')).status, 403, 'no secret')
    assert.equal((await fetchRaw('/?taupy=wrong')).status, 403, 'wrong secret')
    assert.equal((await fetchRaw('/?taupy=s3cret', { host: `localhost:${port}` })).status, 403, 'foreign Host')
    assert.equal((await fetchRaw('/?taupy=s3cret', { origin: 'http://evil.example' })).status, 403, 'foreign Origin')
    const signIn = await fetchRaw('/page?taupy=s3cret')
    assert.equal(signIn.status, 302)
    assert.equal(signIn.headers.location, '/page#taupy=s3cret')
    const sneaky = await fetchRaw('//x//evil.example/?taupy=s3cret')
    assert.equal(sneaky.headers.location, '/x//evil.example/#taupy=s3cret', 'a path starting with // must not become a host')
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!
    assert.match(String(signIn.headers['set-cookie']), new RegExp(`^taupy_${port}=[\\w-]{43}; Path=/; HttpOnly; SameSite=Strict`))
    assert.ok(!cookie.includes('s3cret'), 'the cookie is not the secret')
    assert.equal((await fetchRaw('/src/main.tsx', { cookie: `taupy_${port}=planted; ${cookie}` })).body, 'served', 'every cookie of the name is checked')
  } finally {
    server.close()
  }
})
