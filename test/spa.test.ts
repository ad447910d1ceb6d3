// The React/Lit link to the backend: JSON diffs, the server store and calls over a real Fastify
// /ws, the Vite dev guard on a real HTTP server, and the demo backend both templates share.
import { Type } from '@sinclair/typebox'
import { build } from 'esbuild'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import WebSocket from 'ws'
import { createServer, serveStatic } from '../scripts/server/index.js'
import { defineApi } from '../scripts/sync/api.js'
import { applyPatch, diff } from '../scripts/sync/diff.js'
import { CallFailure, createStore, loadState, saveState, serveApi, type CallHandlers } from '../scripts/sync/server.js'
import { startApp } from '../scripts/testing/app.js'
import { launchBrowser } from '../scripts/testing/browser.js'
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
    assert.equal(signIn.headers.location, '/page')
    assert.match(String(signIn.headers['set-cookie']), /^taupy_4321=s3cret; Path=\/; HttpOnly; SameSite=Strict/)
    assert.equal((await fetchRaw('/src/main.tsx', { cookie: 'taupy_4321=s3cret' })).body, 'served')
  } finally {
    server.close()
  }
})

// The browser side (scripts/sync/client.ts) as the templates use it: bundled by esbuild, run in
// Chromium against a real backend. `window.connect(options)` makes a client the test drives.
describe('the browser client', () => {
  const slowApi = defineApi({
    state: { count: Type.Integer() },
    calls: {
      wait: { args: [Type.Integer({ maximum: 10_000 })], result: Type.String() },
      nothing: { args: [] },
      refuse: { args: [Type.String()], errors: ['no_window', 'cancelled'] },
      throwUndeclared: { args: [] },
      crash: { args: [] },
    },
  })
  // Returned, a code the call does not declare is a type error.
  type RefuseAnswer = ReturnType<CallHandlers<typeof slowApi>['refuse']>
  // @ts-expect-error: 'other' is not in refuse's errors
  const undeclared: RefuseAnswer = new CallFailure('other', 'never sent')
  const declared: RefuseAnswer = new CallFailure('no_window', 'fine')
  void [undeclared, declared]

  let browser: Browser
  let page: Page
  let close: () => Promise<void> = async () => {}
  before(async () => {
    const web = mkdtempSync(join(tmpdir(), 'taupy-sync-client-'))
    writeFileSync(join(web, 'entry.ts'), `import { connectSync } from ${JSON.stringify(fileURLToPath(new URL('../scripts/sync/client.ts', import.meta.url)))}\nObject.assign(window, { connectSync })\n`)
    await build({ entryPoints: [join(web, 'entry.ts')], outfile: join(web, 'client.js'), bundle: true, format: 'esm', logLevel: 'warning' })
    writeFileSync(join(web, 'index.html'), '<!doctype html><script type="module" src="/client.js"></script>')
    const server = await createServer({ secret: 'client-test-secret' })
    const store = createStore(slowApi, { count: 1 })
    serveApi(server.fastify, {
      api: slowApi,
      store,
      calls: {
        // Stands for a handler waiting on a native dialog.
        wait: (ms) => new Promise((resolve) => setTimeout(() => resolve(`waited ${ms} ms`), ms)),
        nothing() {},
        refuse: (why) => new CallFailure(why === 'window' ? 'no_window' : 'cancelled', `refused: ${why}`),
        throwUndeclared() {
          // Thrown, a code the call does not declare reaches the page as handler_failed.
          throw new CallFailure('undeclared', 'a code nobody declared')
        },
        crash() {
          throw new Error('plain crash')
        },
      },
    })
    await serveStatic(server.fastify, { root: web })
    const url = await server.listen({ standalone: false })
    close = async () => {
      await server.fastify.close()
      rmSync(web, { recursive: true, force: true })
    }
    browser = await launchBrowser()
    page = await browser.newPage()
    await page.goto(url)
    await page.waitForFunction(() => 'connectSync' in window)
  })
  after(async () => {
    await browser?.close()
    await close()
  })

  type Outcome = { ok: boolean; value?: unknown; code?: string; message?: string }
  /** Runs `script` in the page with `client` bound to a fresh client; outcomes come back as plain data. */
  const inPage = (script: string, options: object = {}): Promise<unknown> =>
    page.evaluate(
      async ([script, options]) => {
        const connect = (window as unknown as { connectSync(options: object): unknown }).connectSync
        const client = connect(options)
        try {
          return await new Function('client', `return (async () => { ${script} })()`)(client)
        } finally {
          ;(client as { close(): void }).close()
        }
      },
      [script, options] as const,
    )
  const plain = 'const plain = (o) => o.ok ? { ok: true, value: o.value } : { ok: false, code: o.error.code, message: o.error.message };'

  test('a call whose handler runs longer than the timeout (a dialog left open) still resolves', async () => {
    // Twice the timeout, with the backend saying "working" every second in between.
    const started = Date.now()
    assert.equal(await inPage(`return client.call('wait', 5000)`, { timeoutMs: 2500 }), 'waited 5000 ms')
    assert.ok(Date.now() - started >= 5000)
  })

  test('a per-call timeoutMs: with({ timeoutMs }) gives up after that long without a word', async () => {
    const outcome = (await inPage(`${plain} return plain(await client.with({ timeoutMs: 300 }).attempt('wait', 3000))`)) as Outcome
    assert.equal(outcome.code, 'timeout')
    assert.equal(await inPage(`return client.with({ timeoutMs: Infinity }).call('wait', 1500)`, { timeoutMs: 200 }), 'waited 1500 ms')
  })

  test('attempt() returns { ok } outcomes: a void success differs from a failure, and app error codes arrive typed', async () => {
    const outcomes = (await inPage(`${plain} return [
      plain(await client.attempt('nothing')),
      plain(await client.attempt('refuse', 'window')),
      plain(await client.attempt('refuse', 'user')),
      plain(await client.attempt('throwUndeclared')),
      plain(await client.attempt('crash')),
    ]`)) as Outcome[]
    assert.deepEqual(outcomes, [
      { ok: true, value: null },
      { ok: false, code: 'no_window', message: 'refused: window' },
      { ok: false, code: 'cancelled', message: 'refused: user' },
      { ok: false, code: 'handler_failed', message: 'a code nobody declared' },
      { ok: false, code: 'handler_failed', message: 'plain crash' },
    ])
    // call() rejects with the same CallError.
    assert.deepEqual(await inPage(`try { await client.call('refuse', 'window') } catch (error) { return [error.name, error.code] }`), ['CallError', 'no_window'])
  })

  test('a hot-updated client takes over the old one: values at once, old socket closed, page state right', async () => {
    const result = await page.evaluate(async () => {
      const connect = (window as unknown as { connectSync(options: object): any }).connectSync
      const hot = { data: {} }
      const old = connect({ hot })
      await new Promise<void>((resolve) => old.watch('count', () => resolve()))
      const fresh = connect({ hot })
      const handedOver = fresh.get('count')
      for (let waited = 0; waited < 5000 && (old.connection !== 'closed' || fresh.connection !== 'open'); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const states = [old.connection, fresh.connection, document.documentElement.dataset.taupyConnection]
      fresh.close()
      return { handedOver, states }
    })
    assert.deepEqual(result, { handedOver: 1, states: ['closed', 'open', 'open'] })
  })

  test('a module without the hot option keeps its connection (two independent clients)', async () => {
    const states = await page.evaluate(async () => {
      const connect = (window as unknown as { connectSync(options: object): any }).connectSync
      const a = connect({})
      const b = connect({})
      for (let waited = 0; waited < 5000 && (a.connection !== 'open' || b.connection !== 'open'); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await new Promise((resolve) => setTimeout(resolve, 300))
      const result = [a.connection, b.connection]
      a.close()
      b.close()
      return result
    })
    assert.deepEqual(states, ['open', 'open'])
  })
})

test("startApp gives the app a fresh data folder: a test never touches the developer's app data", async () => {
  // A stand-in backend that saves to appDataDir() at start, as the demo saves its todos.
  const appDir = mkdtempSync(join(tmpdir(), 'taupy-isolated-app-'))
  const home = mkdtempSync(join(tmpdir(), 'taupy-developer-home-'))
  writeFileSync(
    join(appDir, 'entry.ts'),
    [
      `import { writeFileSync } from 'node:fs'`,
      `import { join } from 'node:path'`,
      `import { appDataDir } from ${JSON.stringify(fileURLToPath(new URL('../scripts/server/app-data.ts', import.meta.url)))}`,
      `writeFileSync(join(appDataDir('Isolation Test'), 'board.json'), '[]')`,
      `console.log(JSON.stringify({ type: 'ready', url: 'http://127.0.0.1:1/?taupy=x' }))`,
      `setInterval(() => {}, 1000)`,
    ].join('\n'),
  )
  await build({ entryPoints: [join(appDir, 'entry.ts')], outfile: join(appDir, 'dist/server.mjs'), bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' })
  // Where the developer's own data lives, whatever the OS.
  const developer = { HOME: home, XDG_DATA_HOME: join(home, 'data'), APPDATA: join(home, 'data') }
  try {
    const app = await startApp(appDir, { env: developer })
    assert.ok(existsSync(join(app.dataDir, 'board.json')), 'saved in the test data folder')
    assert.ok(!existsSync(join(home, 'data')), 'nothing written to the developer data folder')
    assert.ok(app.dataDir.startsWith(tmpdir()))
    await app.stop()
    assert.ok(!existsSync(app.dataDir), 'the test data folder is removed on stop')

    // A folder the test names is used as it is, and kept.
    const kept = join(home, 'kept')
    const named = await startApp(appDir, { env: { ...developer, TAUPY_DATA_DIR: kept } })
    assert.equal(named.dataDir, kept)
    await named.stop()
    assert.ok(existsSync(join(kept, 'board.json')))
  } finally {
    rmSync(appDir, { recursive: true, force: true })
    rmSync(home, { recursive: true, force: true })
  }
})

describe('persisted state: the change hook, loadState with fallbacks, saveState', () => {
  const Board = Type.Array(Type.Object({ id: Type.Integer(), text: Type.String() }))
  const boardApi = defineApi({ state: { board: Board, theme: Type.Union([Type.Literal('light'), Type.Literal('dark')]), visits: Type.Integer() }, calls: {} })
  const defaults = { board: [], theme: 'light' as const, visits: 0 }
  let dir = ''
  before(() => (dir = mkdtempSync(join(tmpdir(), 'taupy-persist-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const backups = (name: string) => readdirSync(dir).filter((file) => file.startsWith(`${name}.`) && file.endsWith('.bad'))

  test('store.onChange runs after each change with the name and new value, not for a set that changes nothing', () => {
    const store = createStore(boardApi, defaults)
    const seen: [string, unknown][] = []
    const stop = store.onChange((name, value) => seen.push([name, value]))
    store.set('theme', 'dark')
    store.set('theme', 'dark')
    store.update('visits', (visits) => visits + 1)
    stop()
    store.set('visits', 5)
    assert.deepEqual(seen, [['theme', 'dark'], ['visits', 1]])
  })

  test('saveState writes the named values once per tick, atomically; loadState reads them back', async () => {
    const file = join(dir, 'state.json')
    const store = createStore(boardApi, defaults)
    const saved = saveState(store, file, ['board', 'theme'])
    store.set('board', [{ id: 1, text: 'plan' }])
    store.set('theme', 'dark')
    store.set('visits', 3)
    assert.ok(!existsSync(file), 'written after the changes of this tick, not during them')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { board: [{ id: 1, text: 'plan' }], theme: 'dark' })
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [])
    saved.stop()
    assert.deepEqual(loadState(boardApi, file, { board: [], theme: 'light' }), { board: [{ id: 1, text: 'plan' }], theme: 'dark' })
  })

  test('loadState falls back per value when the file is missing, broken or outdated, and keeps the old file', () => {
    assert.deepEqual(loadState(boardApi, join(dir, 'missing.json'), { board: [] }), { board: [] })

    const outdated = join(dir, 'outdated.json')
    writeFileSync(outdated, JSON.stringify({ board: [{ id: 'one', text: 'x' }], theme: 'dark' }))
    const loaded = loadState(boardApi, outdated, { board: [], theme: 'light' })
    assert.deepEqual(loaded, { board: [], theme: 'dark' }, 'the bad value falls back, the good one is kept')
    assert.equal(backups('outdated.json').length, 1, 'the old file is kept for the user')
    // And the store accepts the result: no throw at start-up.
    assert.equal(createStore(boardApi, { ...defaults, ...loaded }).get('theme'), 'dark')

    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{"board": [')
    assert.deepEqual(loadState(boardApi, broken, { board: [] }), { board: [] })
    assert.equal(backups('broken.json').length, 1)
  })
})
