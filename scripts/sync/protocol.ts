// The wire protocol of server state and calls, carried by the /ws channel
// (scripts/server/channel.ts). Client → server messages are TypeBox schemas: the channel
// validates every one before the handler sees it. Server → client messages are types only.
//
//   client                                   server
//   {type:'subscribe', ref, name}        →   {type:'state', name, version, value}
//                                        ←   {type:'patch', name, version, ops}   (each change)
//   {type:'unsubscribe', ref, name}      →
//   {type:'call', ref, name, args}       →   {type:'working', ref}   (every second while it runs)
//                                        ←   {type:'result', ref, value}
//                                        ←   {type:'error', ref, code, message}   (any failure)
import { Type, type Static } from '@sinclair/typebox'
import type { PatchOp } from './diff.js'

const ref = Type.Integer({ minimum: 0 })
const name = Type.String({ minLength: 1, maxLength: 200 })

export const clientMessage = Type.Union([
  Type.Object({ type: Type.Literal('subscribe'), ref, name }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('unsubscribe'), ref, name }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('call'), ref, name, args: Type.Array(Type.Unknown(), { maxItems: 64 }) },
    { additionalProperties: false },
  ),
])
export type ClientMessage = Static<typeof clientMessage>

/** The full value of a piece of state: the answer to `subscribe`, and the start of its versions. */
export interface StateMessage {
  type: 'state'
  name: string
  version: number
  value: unknown
}

/** What changed since `version - 1`; a client that missed a version subscribes again. */
export interface PatchMessage {
  type: 'patch'
  name: string
  version: number
  ops: PatchOp[]
}

export interface ResultMessage {
  type: 'result'
  ref: number
  value: unknown
}

/** The call's handler is still running (a dialog is open, a file is being written…). */
export interface WorkingMessage {
  type: 'working'
  ref: number
}

/** Same shape as the channel's error (scripts/server/channel.ts), restated so the browser side needs no server types. */
export interface ErrorReply {
  type: 'error'
  code: string
  message: string
  ref?: number
}

export type ServerMessage = StateMessage | PatchMessage | ResultMessage | WorkingMessage | ErrorReply
