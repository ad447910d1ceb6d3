// The widgets wire protocol on /ws, both directions, in one place. The server validates client
// messages against `clientMessages` (TypeBox) before anything else sees them; the browser
// runtime imports only the types.
import { Type, type Static } from '@sinclair/typebox'
import { uploadChunkBytes } from './upload-chunk.js'

const ref = Type.Integer({ minimum: 0 })
const count = Type.Integer({ minimum: 0, maximum: 1_000_000 })
const path = Type.String({ pattern: '^/', maxLength: 2048 })

export const eventNames = ['click', 'input', 'change', 'submit', 'keydown', 'hook'] as const

/** A client hook's name, and the name of an event a hook pushes (`data-hook`, `pushEvent`). */
export const hookNamePattern = '^[A-Za-z][A-Za-z0-9_-]*$'

const uploadId = Type.Integer({ minimum: 1, maximum: 1_000_000 })

export const clientMessages = Type.Union([
  /** First message on every (re)connection: attach to the server-rendered session, or start one. */
  Type.Object({ type: Type.Literal('join'), ref, session: Type.String({ maxLength: 64 }), path }),
  /**
   * A DOM event on an element with `data-on-<event>="<component>.<handler>"`, or (event 'hook')
   * an event a client hook pushed, with its `name`.
   */
  Type.Object({
    type: Type.Literal('event'),
    ref,
    target: Type.String({ pattern: '^c[0-9]+\\.[0-9]+$', maxLength: 32 }),
    event: Type.Union(eventNames.map((name) => Type.Literal(name))),
    value: Type.Optional(Type.String({ maxLength: 100_000 })),
    /**
     * Instead of `value`, for long text: what changed since this field's previous event, whose
     * text (of length `base`) the server kept. Answered with `stale_edit` when it has not.
     */
    edit: Type.Optional(Type.Object({ base: count, at: count, cut: count, put: Type.String({ maxLength: 100_000 }) })),
    checked: Type.Optional(Type.Boolean()),
    key: Type.Optional(Type.String({ maxLength: 32 })),
    form: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 100_000 }))),
    name: Type.Optional(Type.String({ pattern: hookNamePattern, maxLength: 64 })),
  }),
  /** The user followed a link or pressed back/forward: render that route. */
  Type.Object({ type: Type.Literal('navigate'), ref, path }),
  /**
   * A file for the upload() widget `target`: announced with its name, size and type (checked
   * against the widget's limits, acked or refused), then sent in base64 chunks (each acked once
   * written), then delivered with the others in one 'change' event naming the upload ids.
   */
  Type.Object({
    type: Type.Literal('upload'),
    ref,
    target: Type.String({ pattern: '^c[0-9]+\\.[0-9]+$', maxLength: 32 }),
    upload: uploadId,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    size: Type.Integer({ minimum: 0 }),
    mime: Type.String({ maxLength: 255 }),
  }),
  Type.Object({ type: Type.Literal('chunk'), ref, upload: uploadId, data: Type.String({ maxLength: Math.ceil(uploadChunkBytes / 3) * 4 }) }),
  /** The user cancelled (or the page gave up on) an upload: its temporary file is removed. */
  Type.Object({ type: Type.Literal('cancel'), ref, upload: uploadId }),
])

export type ClientMessage = Static<typeof clientMessages>
export type EventMessage = Extract<ClientMessage, { type: 'event' }>
export type UploadMessage = Extract<ClientMessage, { type: 'upload' | 'chunk' | 'cancel' }>

/** The new markup of one component; its root element carries data-c="<id>". */
export interface Patch {
  id: string
  html: string
}

export interface StreamMessage {
  type: 'stream'
  id: string
  op: 'append' | 'prepend' | 'update' | 'delete' | 'reset'
  html?: string
  row?: string
}

export type ServerMessage =
  /**
   * Dirty components only. `ref` names the event whose handling produced them, if any; `root`
   * marks a whole-page render that replaces whatever the page shows (a re-sync).
   */
  | { type: 'patch'; ref?: number; patches: Patch[]; root?: true }
  /** The event (or join, navigate) `ref` is handled and its patches were sent before this. */
  | { type: 'ack'; ref: number }
  /**
   * A stream's row: `html` (one element whose id names the row) to add at the end or start or
   * to replace the row of that id; `row` (an id) to delete; reset empties the stream.
   */
  | StreamMessage
  /** The server moved this window to another route: push it onto the history. */
  | { type: 'navigate'; path: string }
  | { type: 'error'; code: string; message: string; ref?: number }
