// Unit tests of the widgets runtime: rendering, escaping, dependency tracking and diff
// addressing, driven through a real WidgetSession with the socket replaced by an array.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import { attributes, button, checkbox, component, dateInput, escapeHtml, hook, html, ignore, js, modal, mountWidgets, multiSelect, numberInput, onCleanup, onClient, radioGroup, sortableTable, stream, tabs, toasts, type Stream, keyedList, link, state, textarea, textInput, unsafeRawHtml, WidgetSession, type State } from '../scripts/widgets/index.js'
import type { ServerMessage } from '../scripts/widgets/protocol.js'
import { StaleEditError } from '../scripts/widgets/session.js'
import type { Routes } from '../scripts/widgets/router.js'

function open(routes: Routes, path = '/') {
  const session = new WidgetSession({ routes }, path)
  const sent: ServerMessage[] = []
  const firstPaint = session.renderFirstPaint()
  session.attach((message) => sent.push(message))
  return { session, sent, firstPaint }
}

const patchesOf = (sent: ServerMessage[]) => sent.flatMap((message) => (message.type === 'patch' ? message.patches : []))
const handlerIds = (markup: string, event: string) => [...markup.matchAll(new RegExp(`data-on-${event}="([^"]+)"`, 'g'))].map((m) => m[1]!)

test('html escapes every interpolation, in text and in attributes', () => {
  const evil = `<img src=x onerror="alert(1)">'&`
  assert.equal(html`<p title="${evil}">${evil}</p>`.markup, '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;</p>')
  assert.equal(html`${[1, null, false, undefined, 'a', [true, 2]]}`.markup, '1a2')
  assert.equal(html`<b>${html`<i>${'<'}</i>`}</b>`.markup, '<b><i>&lt;</i></b>', 'nested templates are markup, their values escaped')
  assert.equal(html`${unsafeRawHtml('<hr>')}`.markup, '<hr>', 'raw markup only through the named escape hatch')
})

test('an unquoted attribute value is quoted: a value cannot add attributes', () => {
  const markup = html`<div class=${'x data-on-click=c1.0 onclick=alert(1)'}></div>`.markup
  assert.equal(markup, '<div class="x data-on-click=c1.0 onclick=alert(1)"></div>')
  assert.equal(html`<a title=${"it's"} href=${'/a b'}>x</a>`.markup, '<a title="it&#39;s" href="/a b">x</a>')
})

test('javascript:, data: and vbscript: URLs are neutralised in URL attributes, however they are spelled', () => {
  for (const url of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', '\u0001javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)']) {
    const value = url
    for (const markup of [html`<a href="${value}">x</a>`.markup, html`<a href=${value}>x</a>`.markup, html`<iframe src='${value}'></iframe>`.markup, html`<form action="${value}"></form>`.markup, attributes({ href: value }).markup]) {
      assert.doesNotMatch(markup.replace(/[\s\u0000-\u001f]/g, ''), /(javascript|data|vbscript):/i, `${JSON.stringify(value)} in ${markup}`)
    }
  }
  assert.equal(html`<a href="${'https://example.com/?q=1'}">x</a>`.markup, '<a href="https://example.com/?q=1">x</a>', 'ordinary URLs pass')
  assert.equal(html`<a href="/items/${'javascript:x'}">x</a>`.markup, '<a href="/items/javascript:x">x</a>', 'after a path prefix it is only a path')
  assert.equal(html`<img src="${'data:image/png;base64,AAAA'}">`.markup, '<img src="data:image/png;base64,AAAA">', 'data: images are allowed in img src')
})

test('a plain value where attributes go is refused; Html from attributes() is not', () => {
  assert.throws(() => html`<div ${'onclick=alert(1)'}></div>`, /attribute/)
  assert.equal(html`<div ${attributes({ id: 'a' })}></div>`.markup, '<div  id="a"></div>')
  assert.equal(html`<div ${null}></div>`.markup, '<div ></div>')
})

test('attribute names from values cannot be event handlers, widget bindings or srcdoc', () => {
  for (const name of ['onclick', 'ONMOUSEOVER', 'data-on-click', 'Data-On-Input', 'srcdoc', 'data-hook']) {
    assert.throws(() => attributes({ [name]: 'x' }), /attribute/, name)
  }
  assert.throws(() => html`<div ${'on'}click="x"></div>`, /attribute/)
  assert.throws(() => html`<div data-${'on-click'}="c1.0"></div>`, /attribute/)
  assert.equal(html`<div data-${'role'}="x"></div>`.markup, '<div data-role="x"></div>')
})

test('the first paint is the whole page with component ids and handlers', () => {
  const { firstPaint } = open({
    '/': () => {
      const count = state(3)
      return component(() => html`<div id="c">${count.get()} ${button('+', () => count.update((n) => n + 1))}</div>`)
    },
  })
  assert.match(firstPaint, /^<div data-c="c\d+" class="taupy-root"><div data-c="c\d+" class="taupy-route"><div data-c="c\d+" id="c">3 <button type="button" class="taupy-button taupy-secondary" data-on-click="c\d+\.0">\+<\/button><\/div><\/div><\/div>$/)
})

test('a state change re-renders only the components that read it', async () => {
  const a = state(1)
  const b = state(1)
  let renders = { a: 0, b: 0 }
  const { session, sent } = open({
    '/': () => {
      const left = component(() => (renders.a++, html`<span>${a.get()}</span>`))
      const right = component(() => (renders.b++, html`<span>${b.get()}</span>`))
      return component(() => html`<div>${left}${right}</div>`)
    },
  })
  renders = { a: 0, b: 0 }
  a.set(2)
  await Promise.resolve()
  assert.deepEqual(renders, { a: 1, b: 0 })
  const patches = patchesOf(sent)
  assert.equal(patches.length, 1)
  assert.match(patches[0]!.html, /^<span data-c="c\d+">2<\/span>$/)
  session.close()
  assert.equal(a.observerCount, 0, 'a closed window unsubscribes from app-wide state')
  assert.equal(b.observerCount, 0)
})

test('dependencies are re-tracked on every render', async () => {
  const useA = state(true)
  const a = state('a')
  const b = state('b')
  const { session } = open({ '/': () => component(() => html`<p>${useA.get() ? a.get() : b.get()}</p>`) })
  assert.equal(a.observerCount, 1)
  assert.equal(b.observerCount, 0)
  useA.set(false)
  session.flush()
  assert.equal(a.observerCount, 0, 'no longer read, no longer subscribed')
  assert.equal(b.observerCount, 1)
})

interface Item {
  id: number
  done: State<boolean>
}

function bigList(size: number) {
  const items = state<Item[]>(Array.from({ length: size }, (_, id) => ({ id, done: state(false) })))
  const routes: Routes = {
    '/': () => {
      const rows = keyedList({
        key: (item: Item) => item.id,
        row: (item: Item) =>
          component(() => html`<li>${checkbox({ checked: item.done.get(), label: `Item ${item.id}`, onChange: (checked) => item.done.set(checked) })}</li>`),
      })
      return component(() => html`<ul>${rows.render(items.get())}</ul>`)
    },
  }
  return { items, ...open(routes) }
}

test('one event that changes one row of 1,000 sends that row alone, addressed by its id', async () => {
  const { session, sent, firstPaint } = bigList(1000)
  const target = handlerIds(firstPaint, 'change')[500]!
  await session.handle({ type: 'event', ref: 7, target, event: 'change', checked: true })
  const [patch, ack] = sent
  assert.equal(patch?.type, 'patch')
  assert.equal(patch.type === 'patch' && patch.ref, 7, 'the patch names the event it answers')
  const patches = patchesOf(sent)
  assert.equal(patches.length, 1)
  assert.equal(patches[0]!.id, target.split('.')[0])
  assert.match(patches[0]!.html, /Item 500/)
  assert.match(patches[0]!.html, / checked/)
  assert.ok(JSON.stringify(patch).length < 2000, 'under 2 kB on the wire')
  assert.deepEqual(ack, { type: 'ack', ref: 7 })
})

test('adding a row sends the list with placeholders for the rows the page already has', () => {
  const { items, session, sent } = bigList(3)
  items.update((list) => [{ id: 99, done: state(true) }, ...list])
  session.flush()
  const [list] = patchesOf(sent)
  const placeholders = list!.html.match(/<li data-c="c\d+" data-keep><\/li>/g) ?? []
  assert.equal(placeholders.length, 3)
  assert.match(list!.html, /Item 99/)
})

test('handler ids are stable across renders, so typing never races a rename', async () => {
  const text = state('')
  const { session, sent, firstPaint } = open({
    '/': () => component(() => html`<div>${textInput({ value: text.get(), onInput: (value) => text.set(value) })}</div>`),
  })
  const [id] = handlerIds(firstPaint, 'input')
  await session.handle({ type: 'event', ref: 1, target: id!, event: 'input', value: 'h' })
  await session.handle({ type: 'event', ref: 2, target: id!, event: 'input', value: 'hi' })
  assert.equal(text.peek(), 'hi')
  assert.deepEqual(handlerIds(patchesOf(sent)[1]!.html, 'input'), [id])
})

test('an event for a handler that is gone fails without harming the session', async () => {
  const { session, sent, firstPaint } = bigList(2)
  const target = handlerIds(firstPaint, 'change')[0]!
  await assert.rejects(session.handle({ type: 'event', ref: 1, target: 'c999.0', event: 'click' }), /no click handler c999\.0/)
  await assert.rejects(session.handle({ type: 'event', ref: 2, target, event: 'click' }), /no click handler/, 'the event name must match too')
  await session.handle({ type: 'event', ref: 3, target, event: 'change', checked: true })
  assert.deepEqual(sent.at(-1), { type: 'ack', ref: 3 })
})

test('a throwing handler rejects, its state changes are still sent, the session lives on', async () => {
  const count = state(0)
  const { session, sent, firstPaint } = open({
    '/': () =>
      component(() => html`<p>${count.get()}${button('boom', () => {
        count.set(1)
        throw new Error('boom')
      })}</p>`),
  })
  await assert.rejects(session.handle({ type: 'event', ref: 1, target: handlerIds(firstPaint, 'click')[0]!, event: 'click' }), /boom/)
  assert.match(patchesOf(sent)[0]!.html, /<p data-c="c\d+">1/)
})

test('the router shows the page for the route; links mark the current one', () => {
  const routes: Routes = {
    '/': () => component(() => html`<p>home ${link('/two', 'two')}</p>`),
    '/two': () => component(() => html`<p>two ${link('/two', 'here')}</p>`),
  }
  const { session, sent, firstPaint } = open(routes)
  assert.match(firstPaint, /home <a href="\/two" data-nav>two<\/a>/)
  return session.handle({ type: 'navigate', ref: 1, path: '/two' }).then(() => {
    assert.match(patchesOf(sent)[0]!.html, /two <a href="\/two" data-nav aria-current="page">here<\/a>/)
    assert.match(new WidgetSession({ routes }, '/nope').renderFirstPaint(), /Not found/)
  })
})

test('a re-join after a drop gets the whole page again', () => {
  const { session, sent } = open({ '/': () => component(() => html`<p>hi</p>`) })
  session.detach()
  session.attach((message) => sent.push(message))
  const last = sent.at(-1)
  assert.equal(last?.type === 'patch' && last.root, true)
  assert.match(JSON.stringify(last), /hi/)
})

test('a component must render one root element of its own', () => {
  assert.throws(() => open({ '/': () => component(() => 'text') }), /one root element/)
})

test('debounce, throttle, disableWith, hook and ignore() render the attributes the client acts on', () => {
  const { firstPaint } = open({
    '/': () =>
      component(() =>
        html`<div>${textInput({ debounce: 300, onInput: () => {} })}${textarea({ debounce: 'blur', throttle: 50 })}${button('Save', () => {}, { disableWith: 'Saving…' })}${ignore({ id: 'map', hook: hook('map'), data: { lat: 1.5 } }, html`<p>loading</p>`)}${textInput({ hook: hook('autosize') })}</div>`,
      ),
  })
  assert.match(firstPaint, /<input[^>]* data-taupy-debounce="300"/)
  assert.match(firstPaint, /<textarea[^>]* data-taupy-debounce="blur" data-taupy-throttle="50"/)
  assert.match(firstPaint, /<button[^>]* data-taupy-disable-with="Saving…"[^>]*>Save<\/button>/)
  assert.match(firstPaint, /<div id="map" data-lat="1.5" data-taupy-ignore data-hook="map"><p>loading<\/p><\/div>/)
  assert.match(firstPaint, /<input[^>]* data-hook="autosize"/)
})

test('client commands chain into one data-taupy-js-<event> attribute and refuse what attributes() refuses', () => {
  const commands = js.toggle('#help').addClass('', 'open').setAttribute('#x', 'aria-expanded', 'true').focus('#help input').dispatch('#map', 'map:zoom', '2')
  assert.equal(
    onClient('click', commands).markup,
    ` data-taupy-js-click="${escapeHtml(JSON.stringify([['toggle', '#help'], ['addClass', '', 'open'], ['setAttribute', '#x', 'aria-expanded', 'true'], ['focus', '#help input'], ['dispatch', '#map', 'map:zoom', '2']]))}"`,
  )
  assert.throws(() => js.setAttribute('#x', 'onclick', 'alert(1)'), /attribute/)
  assert.throws(() => js.setAttribute('#x', 'data-taupy-js-click', '[]'), /attribute/)
  assert.throws(() => js.dispatch('#x', 'a b'), /invalid event name/)
  assert.throws(() => attributes({ 'data-taupy-js-click': '[["hide","body"]]' }), /attribute/, 'a value cannot write commands')
})

test('the new widgets are native, labelled elements', () => {
  const { firstPaint } = open({
    '/': () => {
      const notices = toasts()
      return component(() =>
        html`<div>${radioGroup({ label: 'Size', name: 'size', options: ['s', 'm'], value: 'm', onChange: () => {} })}${multiSelect({ label: 'Tags', options: ['a', 'b'], values: ['b'], onChange: () => {} })}${numberInput({ label: 'Qty', value: 2, min: 1 })}${dateInput({ label: 'When', value: '2027-01-02' })}${tabs({ id: 't', label: 'Views', selected: 'b', onSelect: () => {}, tabs: [{ id: 'a', label: 'A', content: () => 'first' }, { id: 'b', label: 'B', content: () => 'second' }] })}${modal({ id: 'm', title: 'Sure?', onClose: () => {} }, 'text')}${sortableTable({ caption: 'Rows', columns: [{ key: 'n', label: 'N' }], rows: [{ n: 2 }, { n: 10 }, { n: 1 }], sortBy: 'n', descending: true, onSort: () => {} })}${notices.view}</div>`,
      )
    },
  })
  assert.match(firstPaint, /<fieldset class="taupy-radio-group"><legend class="taupy-label">Size<\/legend><label class="taupy-checkbox"><input type="radio" name="size" value="s" data-on-change="[^"]+"> <span>s<\/span><\/label><label class="taupy-checkbox"><input type="radio" name="size" value="m" checked/)
  assert.match(firstPaint, /<label class="taupy-field"><span class="taupy-label">Tags<\/span><select multiple class="taupy-input" data-on-change="[^"]+"><option value="a">a<\/option><option value="b" selected>b<\/option><\/select><\/label>/)
  assert.match(firstPaint, /<span class="taupy-label">Qty<\/span><input class="taupy-input" type="number" value="2" min="1">/)
  assert.match(firstPaint, /<span class="taupy-label">When<\/span><input type="date" value="2027-01-02"/)
  assert.match(firstPaint, /<div role="tablist" aria-label="Views"><button type="button" role="tab" id="t-tab-a" aria-selected="false" aria-controls="t-panel"[^>]*>A<\/button><button type="button" role="tab" id="t-tab-b" aria-selected="true"[^>]*>B<\/button><\/div><div role="tabpanel" id="t-panel" aria-labelledby="t-tab-b" class="taupy-tab-panel" tabindex="0">second<\/div>/)
  assert.match(firstPaint, /<dialog id="m" class="taupy-modal" aria-labelledby="m-title" data-taupy-modal data-keys="Escape" data-on-keydown="[^"]+"><div class="taupy-modal-head"><h2 id="m-title">Sure\?<\/h2><button type="button" class="taupy-button taupy-plain" aria-label="Close"/)
  assert.match(firstPaint, /<caption>Rows<\/caption><thead><tr><th scope="col" aria-sort="descending"><button[^>]*>N<span aria-hidden="true"> ▼<\/span><\/button><\/th><\/tr><\/thead><tbody><tr><td>10<\/td><\/tr><tr><td>2<\/td><\/tr><tr><td>1<\/td><\/tr><\/tbody>/, 'numbers sort as numbers')
  assert.match(firstPaint, /<div data-c="c\d+" class="taupy-toasts" role="status" aria-live="polite"><\/div>/)
})

test('a toast goes away after its time, and its timer ends with the window', async () => {
  let notices: ReturnType<typeof toasts> | undefined
  const { session, sent } = open({
    '/': () => {
      notices = toasts()
      return component(() => html`<div>${notices!.view}</div>`)
    },
  })
  notices!.show('Saved', { ms: 30 })
  await new Promise((resolve) => setTimeout(resolve, 0))
  assert.match(JSON.stringify(patchesOf(sent)), /Saved/)
  await new Promise((resolve) => setTimeout(resolve, 60))
  assert.doesNotMatch(patchesOf(sent).at(-1)!.html, /Saved/)
  notices!.show('Later', { ms: 20 })
  await session.close()
  const count = sent.length
  await new Promise((resolve) => setTimeout(resolve, 40))
  assert.equal(sent.length, count, 'nothing is sent after the window closed')
})

test('a stream sends one small message per row change and keeps no rows', async () => {
  let log: Stream<{ n: number; text: string }> | undefined
  const { session, sent, firstPaint } = open({
    '/': () => {
      log = stream({ id: 'log', tag: 'ol', limit: 50, key: (line) => line.n, row: (line) => html`<li class="line">${line.text}</li>` })
      return component(() => html`<div>${log}</div>`)
    },
  })
  assert.match(firstPaint, /<ol id="log" data-taupy-stream data-taupy-ignore data-limit="50"><\/ol>/)
  log!.append({ n: 1, text: '<b>one</b>' })
  log!.prepend({ n: 0, text: 'zero' })
  log!.update({ n: 1, text: 'uno' })
  log!.delete(0)
  log!.reset()
  assert.deepEqual(sent, [
    { type: 'stream', id: 'log', op: 'append', html: '<li id="log-1" class="line">&lt;b&gt;one&lt;/b&gt;</li>' },
    { type: 'stream', id: 'log', op: 'prepend', html: '<li id="log-0" class="line">zero</li>' },
    { type: 'stream', id: 'log', op: 'update', html: '<li id="log-1" class="line">uno</li>' },
    { type: 'stream', id: 'log', op: 'delete', row: 'log-0' },
    { type: 'stream', id: 'log', op: 'reset' },
  ])
  let bytes = 0
  session.attach((message) => void (bytes += JSON.stringify(message).length))
  for (let n = 0; n < 10_000; n++) log!.append({ n, text: `Line ${n}: the backend did something worth a line` })
  assert.ok(bytes / 10_000 <= 200, `${bytes / 10_000} B per row`)
})

test('a bound text field is not sent back when the browser shows that value already', async () => {
  const note = state('x'.repeat(23_000))
  const { session, sent, firstPaint } = open({
    '/': () => component(() => html`<div>${textarea({ value: note.get(), onInput: (value) => note.set(value) })}<p>${note.get().length}</p></div>`),
  })
  assert.ok(firstPaint.includes('x'.repeat(23_000)), 'the first paint has the text')
  const target = handlerIds(firstPaint, 'input')[0]!
  await session.handle({ type: 'event', ref: 1, target, event: 'input', value: 'x'.repeat(23_000) + 'y' })
  const reply = JSON.stringify(sent.filter((message) => message.type === 'patch'))
  assert.ok(reply.length < 500, `${reply.length} B back for one keystroke`)
  assert.match(reply, /data-keep-value/)
  // The server changes the text itself: that is sent.
  sent.length = 0
  note.set('reset')
  session.flush()
  assert.match(JSON.stringify(sent), />reset<\/textarea>/)
  // …and the same text typed again after that is known to be shown, so not sent.
  sent.length = 0
  await session.handle({ type: 'event', ref: 2, target, event: 'input', value: 'x'.repeat(23_000) + 'y' })
  assert.doesNotMatch(JSON.stringify(sent), /xxxxx/)
  note.set('x'.repeat(23_000) + 'y')
  session.flush()
  assert.doesNotMatch(JSON.stringify(sent), /xxxxx/, 'what the browser shows is what the server set')
})

test('onCleanup runs when the window closes, and mountWidgets closes every window when the server closes', async () => {
  const cleaned: string[] = []
  const { session } = open({
    '/': () => {
      onCleanup(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        cleaned.push('page')
      })
      return component(() => html`<p>x</p>`)
    },
  })
  await session.close()
  assert.deepEqual(cleaned, ['page'], 'close() waits for async cleanups')
  await session.close()
  assert.deepEqual(cleaned, ['page'], 'once')

  const fastify = Fastify()
  await fastify.register(websocket)
  mountWidgets(fastify, {
    title: 't',
    routes: {
      '/': () => {
        onCleanup(() => void cleaned.push('served'))
        return component(() => html`<p>x</p>`)
      },
    },
  })
  await fastify.inject({ method: 'GET', url: '/' })
  await fastify.inject({ method: 'GET', url: '/' })
  await fastify.close()
  assert.deepEqual(cleaned, ['page', 'served', 'served'])
})

test('long text can arrive as an edit of the field’s previous text; an unknown base is a stale edit', async () => {
  const seen: string[] = []
  const { session, firstPaint } = open({ '/': () => component(() => html`<div>${textarea({ onInput: (value) => void seen.push(value) })}</div>`) })
  const target = handlerIds(firstPaint, 'input')[0]!
  await assert.rejects(session.handle({ type: 'event', ref: 1, target, event: 'input', edit: { base: 3, at: 3, cut: 0, put: 'd' } }), (error: Error) => error instanceof StaleEditError && /^stale edit/.test(error.message))
  const note = 'n'.repeat(23_000)
  await session.handle({ type: 'event', ref: 2, target, event: 'input', value: note })
  await session.handle({ type: 'event', ref: 3, target, event: 'input', edit: { base: 23_000, at: 10, cut: 2, put: 'XYZ' } })
  assert.equal(seen.at(-1), note.slice(0, 10) + 'XYZ' + note.slice(12))
  await session.handle({ type: 'event', ref: 4, target, event: 'input', edit: { base: 23_001, at: 23_001, cut: 0, put: '!' } })
  assert.equal(seen.at(-1)!.length, 23_002)
  await assert.rejects(session.handle({ type: 'event', ref: 5, target, event: 'input', edit: { base: 23_000, at: 0, cut: 0, put: 'x' } }), StaleEditError, 'a base of the wrong length')
  await assert.rejects(session.handle({ type: 'event', ref: 6, target, event: 'input', edit: { base: 23_002, at: 23_000, cut: 5, put: '' } }), /beyond its text/)
  assert.equal(seen.length, 3, 'no handler ran for a refused edit')
})
