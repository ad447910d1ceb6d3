// The current path as a Lit reactive controller (for more than a few pages, see @lit-labs/router).
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { onNavigate } from './navigation.ts'

export { navigate, routes } from './navigation.ts'

/** Re-renders its element when the path changes. */
export class Route implements ReactiveController {
  readonly #update: () => void
  #unsubscribe?: () => void

  constructor(host: ReactiveControllerHost) {
    this.#update = () => host.requestUpdate()
    host.addController(this)
  }

  get path(): string {
    return location.pathname
  }

  hostConnected(): void {
    this.#unsubscribe = onNavigate(this.#update)
  }

  hostDisconnected(): void {
    this.#unsubscribe?.()
  }
}
