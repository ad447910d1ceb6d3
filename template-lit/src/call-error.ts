import { html, type ReactiveController, type ReactiveControllerHost } from 'lit'
import type { CallError, CallOutcome } from '../taupy/sync/client.ts'

/**
 * Runs backend calls made with `backend.attempt(…)` for an element and keeps the last failure
 * for display. The outcome comes back as it is: `{ ok: true, value }` or `{ ok: false, error }`,
 * where `error.code` is one the call declares (typed) or a transport code such as `timeout`.
 */
export class CallErrors implements ReactiveController {
  error: CallError | undefined
  readonly #host: ReactiveControllerHost

  constructor(host: ReactiveControllerHost) {
    this.#host = host
    host.addController(this)
  }

  hostConnected(): void {}

  async run<T, Code extends string>(attempt: Promise<CallOutcome<T, Code>>): Promise<CallOutcome<T, Code>> {
    const outcome = await attempt
    this.error = outcome.ok ? undefined : outcome.error
    this.#host.requestUpdate()
    return outcome
  }

  /** The last failure's message, with its code for styles and tests. */
  render() {
    return this.error ? html`<p role="alert" data-error-code=${this.error.code}>${this.error.message}</p>` : null
  }
}
