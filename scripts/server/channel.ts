// The /ws channel every template speaks. This file owns the transport rules; templates own
// the messages. Each client message is JSON, validated against the template's TypeBox schema
// before any handler sees it; whatever is wrong is answered with an `error` message and the
// session and server live on. Limits keep one bad client from hurting the others.
import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RawData, WebSocket } from 'ws'

export type ErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'binary_frame'
  | 'rate_limited'
  | 'unknown_target'
  | 'handler_failed'
  /** A file the upload widget's limits refuse (size, type, count), or an upload gone wrong. */
  | 'upload_refused'
  /** An edit to a text the server no longer has (a restarted backend): send the whole value. */
  | 'stale_edit'

/** Server → client: something the client sent could not be handled. */
export interface ErrorMessage {
  type: 'error'
  code: ErrorCode
  message: string
  /** The `ref` of the client message this answers, when it had one. */
  ref?: number
}

export interface Session {
  readonly id: string
  send(message: object): void
  fail(code: ErrorCode, message: string, ref?: number): void
  close(code?: number, reason?: string): void
}

export interface SessionHandler<Message> {
  message(message: Message, session: Session): void | Promise<void>
  close?(): void
}

export interface ChannelOptions<Schema extends TSchema> {
  /** Schema of every client → server message (usually a Type.Union). */
  messages: Schema
  connect(session: Session, request: FastifyRequest): SessionHandler<Static<Schema>>
  path?: string
}

export const channelLimits = {
  /** Larger frames are refused by ws itself (close 1009). */
  maxMessageBytes: 256 * 1024,
  /** Token bucket per session: a burst of this many messages… */
  burst: 500,
  /** …refilled at this rate per second. */
  perSecond: 500,
  /** A client that stops reading is dropped before its queue grows past this. */
  maxBufferedBytes: 4 * 1024 * 1024,
} as const

function refOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const ref = (value as { ref?: unknown }).ref
  return typeof ref === 'number' && Number.isSafeInteger(ref) ? ref : undefined
}

function rateLimiter(): () => boolean {
  let tokens: number = channelLimits.burst
  let last = performance.now()
  return () => {
    const now = performance.now()
    tokens = Math.min(channelLimits.burst, tokens + ((now - last) / 1000) * channelLimits.perSecond)
    last = now
    if (tokens < 1) return false
    tokens -= 1
    return true
  }
}

export function registerChannel<Schema extends TSchema>(
  fastify: FastifyInstance,
  options: ChannelOptions<Schema>,
): void {
  const check = TypeCompiler.Compile(options.messages)
  fastify.get(options.path ?? '/ws', { websocket: true }, (socket: WebSocket, request) => {
    const log = request.log
    const session: Session = {
      id: randomUUID(),
      send(message) {
        if (socket.readyState !== socket.OPEN) return
        if (socket.bufferedAmount > channelLimits.maxBufferedBytes) {
          log.warn({ session: session.id }, 'ws client is not reading; dropping it')
          socket.terminate()
          return
        }
        socket.send(JSON.stringify(message))
      },
      fail(code, message, ref) {
        const error: ErrorMessage = ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref }
        session.send(error)
      },
      close(code = 1000, reason = '') {
        socket.close(code, reason)
      },
    }
    // In dev mode the page learns which build it talks to, and reloads when that changes.
    if (process.env.TAUPY_BUILD_ID) session.send({ type: 'dev_hello', build: process.env.TAUPY_BUILD_ID })
    const handler = options.connect(session, request)
    const allowed = rateLimiter()

    socket.on('message', (data: RawData, isBinary: boolean) => {
      // Every frame spends a token, malformed ones too, so garbage cannot bypass the limit.
      const withinLimit = allowed()
      if (isBinary) return session.fail('binary_frame', 'binary frames are not part of this protocol; send JSON text')
      let parsed: unknown
      try {
        parsed = JSON.parse(data.toString())
      } catch {
        return session.fail(withinLimit ? 'bad_json' : 'rate_limited', withinLimit ? 'message is not valid JSON' : 'too many messages; slow down')
      }
      const ref = refOf(parsed)
      if (!withinLimit) return session.fail('rate_limited', 'too many messages; slow down', ref)
      if (!check.Check(parsed)) {
        const first = check.Errors(parsed).First()
        const where = first ? `${first.path || '/'}: ${first.message}` : 'does not match the protocol'
        return session.fail('bad_message', `invalid message (${where})`, ref)
      }
      const fail = (error: unknown): void => {
        log.error({ err: error, session: session.id }, 'ws handler failed')
        session.fail('handler_failed', error instanceof Error ? error.message : String(error), ref)
      }
      try {
        const result = handler.message(parsed, session)
        if (result instanceof Promise) result.catch(fail)
      } catch (error) {
        fail(error)
      }
    })
    socket.on('close', () => handler.close?.())
    socket.on('error', (error: Error) => log.warn({ err: error, session: session.id }, 'ws error'))
  })
}
