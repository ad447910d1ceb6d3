// The cap on sessions waiting for their socket, on a real Fastify with the real /ws channel:
// page loads that never join cannot pile up; beyond the cap the one waiting longest is closed,
// and its window, should it join after all, gets a fresh session.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import WebSocket from 'ws'
import { component, html, mountWidgets, state, widgetLimits } from '../scripts/widgets/index.js'
import type { ServerMessage } from '../scripts/widgets/protocol.js'

test('at most maxWaitingSessions wait for their socket; the oldest is closed first', async (t) => {
  assert.equal(widgetLimits.maxWaitingSessions, 100, 'the default, beside the 60 s grace')
  assert.equal(widgetLimits.sessionGraceMs, 60_000)
  // App-wide state: every live session's page subscribes to it, a closed one unsubscribes.
  const shared = state('hello')
  const fastify = Fastify()
  t.after(() => fastify.close())
  await fastify.register(websocket)
  mountWidgets(fastify, { title: 't', routes: { '/': () => component(() => html`<p>${shared.get()}</p>`) }, maxWaitingSessions: 3 })
  const url = await fastify.listen({ host: '127.0.0.1', port: 0 })

  const sessionIds: string[] = []
  for (let i = 0; i < 5; i++) {
    const response = await fastify.inject('/')
    sessionIds.push(/data-taupy-session="([^"]+)"/.exec(response.body)![1]!)
  }
  assert.equal(shared.observerCount, 3, 'two of five page loads were closed')

  // Joining tells which survived: a waiting session sends only what changed since its first
  // paint (nothing here), an unknown one renders the whole page.
  const join = async (session: string): Promise<ServerMessage[]> => {
    const socket = new WebSocket(url.replace('http', 'ws') + '/ws')
    const received: ServerMessage[] = []
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as ServerMessage))
    await new Promise((resolve) => socket.once('open', resolve))
    socket.send(JSON.stringify({ type: 'join', ref: 1, session, path: '/' }))
    while (!received.some((message) => message.type === 'ack')) await new Promise((resolve) => setTimeout(resolve, 5))
    socket.close()
    return received
  }
  assert.deepEqual(await join(sessionIds[4]!), [{ type: 'ack', ref: 1 }], 'the newest is still waiting')
  assert.deepEqual(await join(sessionIds[2]!), [{ type: 'ack', ref: 1 }], 'the oldest kept one too')
  const late = await join(sessionIds[0]!)
  assert.equal(late[0]?.type === 'patch' && late[0].root, true, 'the oldest was dropped: a fresh session, whole page')
})
