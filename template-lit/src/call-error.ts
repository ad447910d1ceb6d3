import type { ReactiveController, ReactiveControllerHost } from 'lit'

/** Runs backend calls for an element and keeps the message of the last failure for display. */
export class CallErrors implements ReactiveController {
  message: string | undefined
  readonly #host: ReactiveControllerHost

  constructor(host: ReactiveControllerHost) {
    this.#host = host
    host.addController(this)
  }

  hostConnected(): void {}

  async run<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      const result = await call
      this.message = undefined
      return result
    } catch (failure) {
      this.message = failure instanceof Error ? failure.message : String(failure)
      return undefined
    } finally {
      this.#host.requestUpdate()
    }
  }
}
