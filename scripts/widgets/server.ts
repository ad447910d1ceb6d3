// Mounts a widgets app on the core server: a server-rendered GET route per page, the
// stylesheet, and the /ws diff channel. A session is created by the first paint and waits a
// while for its socket; a socket that drops leaves it waiting again, so a quick reconnect
// (backend busy, laptop asleep) finds the window's state where it was. Waiting sessions are
// capped: page loads that never open a socket (a script reloading the page) cannot pile up.
import type { FastifyInstance } from 'fastify'
import { registerChannel } from '../server/channel.js'
import { renderDocument } from './document.js'
import { clientMessages, type ServerMessage } from './protocol.js'
import { StaleEditError, UnknownTargetError, WidgetSession, type WidgetApp } from './session.js'
import { widgetStyles } from './styles.js'
import { UploadRefused, UploadStore } from './upload.js'

export interface WidgetServerOptions extends WidgetApp {
  /** The document title (the window title comes from productName). */
  title: string
  /** CSS appended to the widgets' stylesheet. */
  styles?: string
  /** The client bundle (the app's client entry built by `taupy build`). */
  script?: string
  /** How long a session without a socket is kept (default widgetLimits.sessionGraceMs). */
  sessionGraceMs?: number
  /** How many sessions may wait for their socket at once (default widgetLimits.maxWaitingSessions). */
  maxWaitingSessions?: number
}

export const widgetLimits = {
  /** A session without a socket (first paint not yet joined, or dropped) is kept this long… */
  sessionGraceMs: 60_000,
  /** …and at most this many of them: beyond it the one waiting longest is closed. */
  maxWaitingSessions: 100,
} as const

export const stylesheetPath = '/taupy/widgets.css'

/** `taupy dev --latency <ms>`: every message waits this long each way (dev only). */
function simulatedLatency(): number {
  if (process.env.TAUPY_DEV !== '1') return 0
  const ms = Number(process.env.TAUPY_LATENCY_MS ?? 0)
  return Number.isInteger(ms) && ms > 0 ? ms : 0
}

export function mountWidgets(fastify: FastifyInstance, options: WidgetServerOptions): void {
  const waiting = new Map<string, { session: WidgetSession; timer: NodeJS.Timeout }>()
  const graceMs = options.sessionGraceMs ?? widgetLimits.sessionGraceMs
  const maxWaiting = options.maxWaitingSessions ?? widgetLimits.maxWaitingSessions
  const logRenderErrors = (session: WidgetSession): void => {
    session.onRenderError = (error) => fastify.log.error({ err: error, session: session.id }, 'widget render failed')
  }
  // Every session not yet closed, attached or waiting: the app's shutdown closes them all, so
  // their cleanups (onCleanup) run before the process exits.
  const open = new Set<WidgetSession>()
  const opened = (session: WidgetSession): WidgetSession => {
    open.add(session)
    session.onClose(() => void open.delete(session))
    return session
  }
  fastify.addHook('onClose', async () => {
    await Promise.all([...open].map((session) => session.close()))
  })
  const claim = (id: string): WidgetSession | undefined => {
    const entry = waiting.get(id)
    if (!entry) return undefined
    waiting.delete(id)
    clearTimeout(entry.timer)
    return entry.session
  }
  const drop = (id: string): void => {
    void claim(id)?.close()
  }
  const park = (session: WidgetSession): void => {
    const timer = setTimeout(() => drop(session.id), graceMs)
    timer.unref()
    waiting.set(session.id, { session, timer })
    // A Map iterates in insertion order: the first key has waited longest. Its window, if it
    // ever joins, gets a fresh session for its path (as after a backend restart).
    while (waiting.size > maxWaiting) {
      const oldest = waiting.keys().next().value!
      fastify.log.warn({ session: oldest }, `more than ${maxWaiting} sessions wait for their socket; closing the oldest`)
      drop(oldest)
    }
  }

  const css = widgetStyles + (options.styles ?? '')
  fastify.get(stylesheetPath, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css))

  for (const path of Object.keys(options.routes)) {
    fastify.get(path, (request, reply) => {
      const session = opened(new WidgetSession(options, request.url))
      logRenderErrors(session)
      const body = session.renderFirstPaint()
      park(session)
      const page = renderDocument({ title: options.title, sessionId: session.id, body, script: options.script ?? '/app.js', stylesheet: stylesheetPath })
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page)
    })
  }

  const latency = simulatedLatency()
  if (latency) fastify.log.warn(`simulating ${latency} ms of latency each way on /ws (taupy dev --latency)`)
  registerChannel(fastify, {
    messages: clientMessages,
    connect(channel, request) {
      let session: WidgetSession | undefined
      // Timers of one duration fire in the order they were set: delayed messages keep their order.
      const send = (message: ServerMessage): void => void (latency ? setTimeout(() => channel.send(message), latency) : channel.send(message))
      return {
        async message(message) {
          if (latency) await new Promise((resolve) => setTimeout(resolve, latency))
          if (message.type === 'join') {
            if (session) return channel.fail('bad_message', 'this socket has already joined', message.ref)
            session = claim(message.session) ?? opened(new WidgetSession(options, message.path))
            logRenderErrors(session)
            if (session.path.peek() !== message.path) session.path.set(message.path)
            session.attach(send)
            return send({ type: 'ack', ref: message.ref })
          }
          if (!session) return channel.fail('bad_message', 'send a join message first', message.ref)
          try {
            if (message.type === 'upload' || message.type === 'chunk' || message.type === 'cancel') {
              // Beside the event queue: a long upload does not hold up clicks.
              await UploadStore.of(session).handle(message)
              return send({ type: 'ack', ref: message.ref })
            }
            await session.handle(message)
          } catch (error) {
            if (error instanceof UploadRefused) return channel.fail('upload_refused', error.message, message.ref)
            if (error instanceof StaleEditError) return channel.fail('stale_edit', error.message, message.ref)
            if (!(error instanceof UnknownTargetError)) throw error
            request.log.warn({ session: session.id, target: message.type === 'event' ? message.target : undefined }, error.message)
            channel.fail('unknown_target', error.message, message.ref)
          }
        },
        close() {
          if (!session) return
          session.detach()
          park(session)
        },
      }
    },
  })
}
