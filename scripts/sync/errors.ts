// How a call fails, for both ends, with no TypeBox in it (the browser bundle imports this).
// An app's own failures carry the codes its API declares per call (`errors: ['no_window']`);
// the rest are the transport's.

/** Codes any call can fail with, whatever its API says. */
export type TransportErrorCode =
  /** No answer and no "still working" from the backend within the call's timeout. */
  | 'timeout'
  /** The connection was lost after the call was sent: whether it ran is unknown. */
  | 'disconnected'
  /** The handler threw something that is not a declared CallFailure. */
  | 'handler_failed'
  /** The arguments did not match the API's schemas. */
  | 'bad_message'
  /** No call of that name (client and backend from different versions). */
  | 'unknown_target'
  | 'rate_limited'

/** What a failed call rejects with (or `attempt()` returns): the server's message and a code. */
export class CallError<Code extends string = string> extends Error {
  readonly code: Code | TransportErrorCode
  constructor(code: Code | TransportErrorCode, message: string) {
    super(message)
    this.name = 'CallError'
    this.code = code
  }
}

/** The result of `attempt()`: never a rejection, so a void call's success and failure differ. */
export type CallOutcome<Value, Code extends string = string> =
  | { ok: true; value: Value }
  | { ok: false; error: CallError<Code> }

/**
 * Backend side: a handler returns (typed) or throws this to fail with one of the codes its
 * call declares in `errors`. The UI receives `code` and `message` as they are.
 */
export class CallFailure<Code extends string = string> extends Error {
  readonly code: Code
  constructor(code: Code, message: string) {
    super(message)
    this.name = 'CallFailure'
    this.code = code
  }
}

export const transportErrorCodes: readonly TransportErrorCode[] = [
  'timeout',
  'disconnected',
  'handler_failed',
  'bad_message',
  'unknown_target',
  'rate_limited',
]

/** How often the backend says "still working" while a call's handler runs. */
export const workingIntervalMs = 1000
/** The default for `timeoutMs`: the longest a call waits without a word from the backend. */
export const defaultCallTimeoutMs = 15_000
