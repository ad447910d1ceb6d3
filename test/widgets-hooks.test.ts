// Client hooks: the server side (hook() attributes, pushed events reaching their handler through
// a real WidgetSession and the protocol schema) and the browser-side bookkeeping of which element
// runs which hook. The DOM part runs end to end in the widgets template's own test.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { component, hook, html, state, WidgetSession } from '../scripts/widgets/index.js'
import { hookRunner, type Hook } from '../scripts/widgets/client/hooks.js'
import { clientMessages, type ServerMessage } from '../scripts/widgets/protocol.js'

function open(render: () => ReturnType<typeof html>) {
  const session = new WidgetSession({ routes: { '/': () => component(render) } }, '/')
  const sent: ServerMessage[] = []
  const firstPaint = session.renderFirstPaint()
  session.attach((message) => sent.push(message))
  return { session, sent, firstPaint }
}

test('hook() names the client hook and, with handlers, the handler its pushEvent reaches', () => {
  const { firstPaint } = open(() => html`<div><time ${hook('localTime', { timeZone: () => {} })}></time><canvas ${hook('chart')}></canvas></div>`)
  assert.match(firstPaint, /<time +data-hook="localTime" data-on-hook="c\d+\.0"><\/time>/)
  assert.match(firstPaint, /<canvas +data-hook="chart"><\/canvas>/, 'no handlers, no event attribute')
  assert.throws(() => open(() => html`<p ${hook('x" onclick="alert(1)')}></p>`), /invalid hook name/)
})

test('a pushed hook event reaches its named handler; its effect is patched with the ref, then acked', async () => {
  const zone = state('')
  const { session, sent, firstPaint } = open(() => html`<p ${hook('localTime', { timeZone: (value) => zone.set(value ?? '') })}>${zone.get()}</p>`)
  const target = /data-on-hook="([^"]+)"/.exec(firstPaint)![1]!
  await session.handle({ type: 'event', ref: 4, target, event: 'hook', name: 'timeZone', value: 'Asia/Tokyo' })
  assert.equal(zone.peek(), 'Asia/Tokyo')
  const [patch, ack] = sent
  assert.equal(patch?.type === 'patch' && patch.ref, 4)
  assert.match(JSON.stringify(patch), /Asia\/Tokyo<\/p>/)
  assert.deepEqual(ack, { type: 'ack', ref: 4 })

  for (const name of ['other', 'constructor', undefined]) {
    await assert.rejects(
      session.handle({ type: 'event', ref: 5, target, event: 'hook', ...(name ? { name } : {}) }),
      { name: 'Error', message: `hook localTime has no handler for the event "${name ?? ''}"` },
      'an unknown event name never reaches another handler (nor the prototype)',
    )
  }
  await assert.rejects(session.handle({ type: 'event', ref: 6, target, event: 'click' }), /no click handler/, 'a hook handler answers hook events only')
})

test('the protocol carries a hook event with a checked name', () => {
  const check = TypeCompiler.Compile(clientMessages)
  assert.ok(check.Check({ type: 'event', ref: 1, target: 'c3.0', event: 'hook', name: 'time-Zone_2', value: 'x' }))
  assert.ok(!check.Check({ type: 'event', ref: 1, target: 'c3.0', event: 'hook', name: '__proto__.x' }))
  assert.ok(!check.Check({ type: 'event', ref: 1, target: 'c3.0', event: 'hook', name: 'a'.repeat(65) }))
})

/** A stand-in for a DOM element: the runner reads only its data-hook attribute. */
function element(hookName: string | null) {
  const attrs = new Map([['data-hook', hookName]])
  const el = { getAttribute: (name: string) => attrs.get(name) ?? null, set: (name: string | null) => attrs.set('data-hook', name) }
  return el as typeof el & HTMLElement
}

test('each hooked element runs mounted once, updated per change, destroyed once; a rename swaps hooks', () => {
  const calls: string[] = []
  const recording = (name: string): Hook => ({
    mounted: (el, ctx) => {
      calls.push(`${name} mounted`)
      ctx.pushEvent('hello', name)
    },
    updated: () => void calls.push(`${name} updated`),
    destroyed: () => void calls.push(`${name} destroyed`),
  })
  const pushed: unknown[] = []
  const runner = hookRunner({ a: recording('a'), b: recording('b') }, (el, event, value) => pushed.push([el.getAttribute('data-hook'), event, value]) > 0)
  const el = element('a')
  runner.mount(el)
  runner.mount(el)
  runner.update(el)
  el.set('b')
  runner.update(el)
  runner.destroy(el)
  runner.destroy(el)
  runner.update(element(null))
  assert.deepEqual(calls, ['a mounted', 'a updated', 'a destroyed', 'b mounted', 'b destroyed'])
  assert.deepEqual(pushed, [['a', 'hello', 'a'], ['b', 'hello', 'b']], 'pushEvent speaks for its own element')
})

test('after a re-join every running hook hears reconnected, and a destroyed one does not', () => {
  const heard: string[] = []
  const hook: Hook = {
    reconnected(el, ctx) {
      heard.push(el.getAttribute('data-hook')!)
      ctx.pushEvent('again')
    },
  }
  const pushed: string[] = []
  const runner = hookRunner({ a: hook, b: hook }, (_el, event) => pushed.push(event) > 0)
  const a = element('a')
  const b = element('b')
  runner.mount(a)
  runner.mount(b)
  runner.destroy(b)
  runner.reconnect()
  assert.deepEqual(heard, ['a'])
  assert.deepEqual(pushed, ['again'])
})

test('a throwing hook is logged and the others still run; an unknown hook name is reported', (t) => {
  const errors = t.mock.method(console, 'error', () => {})
  const warnings = t.mock.method(console, 'warn', () => {})
  const calls: string[] = []
  const runner = hookRunner(
    {
      broken: { mounted: () => { throw new Error('boom') } },
      fine: { mounted: () => void calls.push('fine mounted') },
    },
    () => true,
  )
  runner.mount(element('broken'))
  runner.mount(element('fine'))
  runner.mount(element('missing'))
  assert.deepEqual(calls, ['fine mounted'])
  assert.match(String(errors.mock.calls[0]?.arguments[0]), /hook broken/)
  assert.match(String(warnings.mock.calls[0]?.arguments[0]), /no client hook missing/)
})
