// Mounts a widgets app on the core server: a server-rendered GET route per page, the
// stylesheet, and the /ws diff channel. A session is created by the first paint and waits a
// while for its socket; a socket that drops leaves it waiting again, so a quick reconnect
// (backend busy, laptop asleep) finds the window's state where it was.
import type { FastifyInstance } from 'fastify'
import { registerChannel } from '../server/channel.js'
import { renderDocument } from './document.js'
import { clientMessages, type ServerMessage } from './protocol.js'
import { UnknownTargetError, WidgetSession, type WidgetApp } from './session.js'
import { widgetStyles } from './styles.js'

export interface WidgetServerOptions extends WidgetApp {
  /** The document title (the window title comes from productName). */
  title: string
  /** CSS appended to the widgets' stylesheet. */
  styles?: string
  /** The client bundle (the app's client entry built by `taupy build`). */
  script?: string
  /** How long a session without a socket is kept. */
  sessionGraceMs?: number
}

export const stylesheetPath = '/taupy/widgets.css'

export function mountWidgets(fastify: FastifyInstance, options: WidgetServerOptions): void {
  const waiting = new Map<string, { session: WidgetSession; timer: NodeJS.Timeout }>()
  const graceMs = options.sessionGraceMs ?? 60_000
  const logRenderErrors = (session: WidgetSession): void => {
    session.onRenderError = (error) => fastify.log.error({ err: error, session: session.id }, 'widget render failed')
  }
  const park = (session: WidgetSession): void => {
    const timer = setTimeout(() => {
      waiting.delete(session.id)
      session.close()
    }, graceMs)
    timer.unref()
    waiting.set(session.id, { session, timer })
  }
  const claim = (id: string): WidgetSession | undefined => {
    const entry = waiting.get(id)
    if (!entry) return undefined
    waiting.delete(id)
    clearTimeout(entry.timer)
    return entry.session
  }

  const css = widgetStyles + (options.styles ?? '')
  fastify.get(stylesheetPath, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css))

  for (const path of Object.keys(options.routes)) {
    fastify.get(path, (request, reply) => {
      const session = new WidgetSession(options, request.url)
      logRenderErrors(session)
      const body = session.renderFirstPaint()
      park(session)
      const page = renderDocument({ title: options.title, sessionId: session.id, body, script: options.script ?? '/app.js', stylesheet: stylesheetPath })
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page)
    })
  }

  registerChannel(fastify, {
    messages: clientMessages,
    connect(channel, request) {
      let session: WidgetSession | undefined
      const send = (message: ServerMessage): void => channel.send(message)
      return {
        async message(message) {
          if (message.type === 'join') {
            if (session) return channel.fail('bad_message', 'this socket has already joined', message.ref)
            session = claim(message.session) ?? new WidgetSession(options, message.path)
            logRenderErrors(session)
            if (session.path.peek() !== message.path) session.path.set(message.path)
            session.attach(send)
            return send({ type: 'ack', ref: message.ref })
          }
          if (!session) return channel.fail('bad_message', 'send a join message first', message.ref)
          try {
            await session.handle(message)
          } catch (error) {
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
