// A small router on the History API: enough for a few pages. The backend answers every unknown
// path with index.html (spaFallback), so reloading on /about works. For more, see @lit-labs/router.
import type { ReactiveController, ReactiveControllerHost } from 'lit'

export const routes = { home: '/', about: '/about' } as const

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()))

export function navigate(path: string): void {
  history.pushState(null, '', path)
  listeners.forEach((listener) => listener())
}

/** Re-renders its element when the path changes. */
export class Route implements ReactiveController {
  readonly #update: () => void

  constructor(host: ReactiveControllerHost) {
    this.#update = () => host.requestUpdate()
    host.addController(this)
  }

  get path(): string {
    return location.pathname
  }

  hostConnected(): void {
    listeners.add(this.#update)
  }

  hostDisconnected(): void {
    listeners.delete(this.#update)
  }
}
