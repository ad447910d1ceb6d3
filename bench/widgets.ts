// Widgets diff channel on a 1,000-row keyed list: one event toggles one row. Ours sends the
// dirty row only; the naive baseline (strategy 'page', same runtime, same run) re-renders the
// whole page and morphs all of it. Measured: bytes on the wire per change and server time per
// event (in process, same session code as the app), click → DOM updated in Chromium over a real
// socket (p50/p99), and the browser runtime's size.
import websocket from '@fastify/websocket'
import { build } from 'esbuild'
import Fastify, { type FastifyInstance } from 'fastify'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { launchBrowser } from '../scripts/testing/browser.js'
import { checkbox, component, html, keyedList, mountWidgets, state, stream, WidgetSession, type State, type Stream, type WidgetApp } from '../scripts/widgets/index.js'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { median, percentile } from './measure.js'
import type { Bench, BenchRow } from './types.js'

type Strategy = NonNullable<WidgetApp['strategy']>
const rowCount = 1000
const serverRuns = 300
const clicks = 200
const warmup = 20

interface Item {
  id: number
  label: string
  done: State<boolean>
}

function listApp(strategy: Strategy): WidgetApp {
  return {
    strategy,
    routes: {
      '/': () => {
        const items: Item[] = Array.from({ length: rowCount }, (_, id) => ({ id, label: `Row ${id}`, done: state(false) }))
        const rows = keyedList({
          key: (item: Item) => item.id,
          row: (item: Item) =>
            component(() => html`<li class="${item.done.get() ? 'row done' : 'row'}">${checkbox({ checked: item.done.get(), label: item.label, onChange: (checked) => item.done.set(checked) })}</li>`),
        })
        return component(() => html`<ul id="list">${rows.render(items)}</ul>`)
      },
    },
  }
}

/** Server time per event (handle → patches serialised) and bytes of the patch messages. */
async function inProcess(strategy: Strategy): Promise<{ ms: number; bytes: number }> {
  const session = new WidgetSession(listApp(strategy), '/')
  const targets = [...session.renderFirstPaint().matchAll(/data-on-change="([^"]+)"/g)].map((match) => match[1]!)
  let bytes = 0
  session.attach((message) => {
    const text = JSON.stringify(message)
    if (message.type === 'patch') bytes += Buffer.byteLength(text)
  })
  const times: number[] = []
  const perChange: number[] = []
  const checked = new Array<boolean>(rowCount).fill(false)
  for (let i = 0; i < serverRuns; i++) {
    bytes = 0
    const row = (i * 7) % rowCount
    checked[row] = !checked[row]
    const started = performance.now()
    await session.handle({ type: 'event', ref: i, target: targets[row]!, event: 'change', checked: checked[row] })
    times.push(performance.now() - started)
    perChange.push(bytes)
  }
  session.close()
  if (perChange.includes(0)) throw new Error('an event changed nothing; the benchmark is wrong')
  return { ms: median(times.slice(warmup)), bytes: median(perChange) }
}

async function clientBundle(): Promise<{ code: string; gzipBytes: number; morphdomGzipBytes: number }> {
  const entry = fileURLToPath(new URL('../scripts/widgets/client/index.ts', import.meta.url))
  const ours = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: 'es2022', write: false, logLevel: 'warning' })
  const morphdom = await build({
    stdin: { contents: "import morphdom from 'morphdom'; window.morphdom = morphdom", resolveDir: fileURLToPath(new URL('.', import.meta.url)) },
    bundle: true, minify: true, format: 'esm', target: 'es2022', write: false, logLevel: 'warning',
  })
  const code = ours.outputFiles[0]!.text
  return { code, gzipBytes: gzipSync(code, { level: 9 }).length, morphdomGzipBytes: gzipSync(morphdom.outputFiles[0]!.text, { level: 9 }).length }
}

/** A plain Fastify with the widgets app: the security layer is not what is measured here. */
async function serve(strategy: Strategy, clientCode: string): Promise<{ fastify: FastifyInstance; url: string }> {
  const fastify = Fastify()
  await fastify.register(websocket)
  fastify.get('/app.js', (_request, reply) => reply.type('text/javascript').send(clientCode))
  mountWidgets(fastify, { title: 'bench', ...listApp(strategy) })
  const url = await fastify.listen({ host: '127.0.0.1', port: 0 })
  return { fastify, url }
}

// Runs in the page (a string, so the test runner's helpers are not needed there): clicks row
// after row and times the click until that row's class has changed in the DOM.
const clickLoop = `(async ({ clicks, rows }) => {
  const times = []
  for (let i = 0; i < clicks; i++) {
    const li = document.querySelectorAll('#list > li')[(i * 7) % rows]
    const box = li.querySelector('input')
    const before = li.className
    const changed = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        const now = document.querySelector('[data-c="' + li.dataset.c + '"]')
        if (now && now.className !== before) { observer.disconnect(); resolve(undefined) }
      })
      observer.observe(document.getElementById('list'), { attributes: true, subtree: true, childList: true })
    })
    const started = performance.now()
    box.click()
    await changed
    times.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return times
})`

async function inBrowser(strategy: Strategy, clientCode: string): Promise<{ p50: number; p99: number }> {
  const { fastify, url } = await serve(strategy, clientCode)
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage()
    await page.goto(url)
    await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached' })
    const times = (await page.evaluate(`${clickLoop}(${JSON.stringify({ clicks: clicks + warmup, rows: rowCount })})`)) as number[]
    const measured = times.slice(warmup)
    return { p50: percentile(measured, 50), p99: percentile(measured, 99) }
  } finally {
    await browser.close()
    await fastify.close()
  }
}

/** A window with a log stream that appended `rows` rows: bytes per row message, and the heap after GC. */
function streamWindow(rows: number): { bytesPerRow: number; heap: number; session: WidgetSession } {
  let log: Stream<number> | undefined
  const session = new WidgetSession({ routes: { '/': () => ((log = stream({ id: 'log', key: (n: number) => n, row: (n: number) => html`<li>Line ${n}: the backend did something worth a line</li>` })), component(() => html`<div>${log}</div>`)) } }, '/')
  session.renderFirstPaint()
  let bytes = 0
  session.attach((message) => void (bytes += Buffer.byteLength(JSON.stringify(message))))
  for (let n = 0; n < rows; n++) log!.append(n)
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
  return { bytesPerRow: bytes / rows, heap: process.memoryUsage().heapUsed, session }
}

const bench: Bench = async () => {
  const small = streamWindow(100)
  const large = streamWindow(100_000)
  const tenThousand = streamWindow(10_000)
  const client = await clientBundle()
  const ours = { ...(await inProcess('components')), ...(await inBrowser('components', client.code)) }
  const naive = { ...(await inProcess('page')), ...(await inBrowser('page', client.code)) }
  const baselineName = 'whole page re-rendered + morphed'
  const row = (metric: string, unit: string, a: number, b: number, note?: string): BenchRow => ({
    group: 'widgets', metric, unit, ours: a, baselineName, baseline: b, ...(note ? { note } : {}),
  })
  return [
    row('bytes on the wire per one-row change (1,000 rows)', 'B', ours.bytes, naive.bytes, 'patch message JSON'),
    row('server time per event (handle + render + serialise)', 'ms', ours.ms, naive.ms, `median of ${serverRuns - warmup}`),
    row('click → DOM updated, p50 (Chromium)', 'ms', ours.p50, naive.p50, `${clicks} clicks over /ws`),
    row('click → DOM updated, p99 (Chromium)', 'ms', ours.p99, naive.p99, `${clicks} clicks over /ws`),
    {
      group: 'widgets', metric: 'browser runtime, minified + gzipped', unit: 'B', ours: client.gzipBytes,
      baselineName: 'morphdom alone', baseline: client.morphdomGzipBytes, note: 'socket client + events + patching + morphdom',
    },
    {
      group: 'widgets', metric: 'bytes on the wire per appended row (10,000-row stream)', unit: 'B', ours: Math.round(tenThousand.bytesPerRow),
      baselineName: 'goal', baseline: 200, note: 'stream message JSON, a 50-character row',
    },
    {
      group: 'widgets', metric: 'server heap, 100,000-row stream ÷ 100-row stream', unit: '×', ours: Number((large.heap / small.heap).toFixed(3)),
      baselineName: 'goal', baseline: 1.2, note: 'heapUsed after GC, both windows alive',
    },
  ]
}

export default bench
