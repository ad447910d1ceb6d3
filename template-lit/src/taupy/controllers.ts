// Lit bindings for server state: reactive controllers that watch a value (or the connection)
// while their element is in the page and ask it to re-render when the backend changes it.
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { ApiSpec, StateName, StateValue } from '../../taupy/sync/api.ts'
import type { ConnectionState, SyncClient } from '../../taupy/sync/client.ts'

/** `count = new ServerState(this, backend, 'counter')`, then `this.count.value` in render(). */
export class ServerState<Api extends ApiSpec, Name extends StateName<Api>> implements ReactiveController {
  value: StateValue<Api, Name> | undefined
  readonly #host: ReactiveControllerHost
  readonly #client: SyncClient<Api>
  readonly #name: Name
  #stop?: () => void

  constructor(host: ReactiveControllerHost, client: SyncClient<Api>, name: Name) {
    this.#host = host
    this.#client = client
    this.#name = name
    host.addController(this)
  }

  hostConnected(): void {
    this.value = this.#client.get(this.#name)
    this.#stop = this.#client.watch(this.#name, (value) => {
      this.value = value
      this.#host.requestUpdate()
    })
  }

  hostDisconnected(): void {
    this.#stop?.()
  }
}

/** The state of the connection to the backend: 'open' while it is reachable. */
export class Connection<Api extends ApiSpec> implements ReactiveController {
  readonly #host: ReactiveControllerHost
  readonly #client: SyncClient<Api>
  #stop?: () => void

  constructor(host: ReactiveControllerHost, client: SyncClient<Api>) {
    this.#host = host
    this.#client = client
    host.addController(this)
  }

  get value(): ConnectionState {
    return this.#client.connection
  }

  hostConnected(): void {
    this.#stop = this.#client.onConnection(() => this.#host.requestUpdate())
  }

  hostDisconnected(): void {
    this.#stop?.()
  }
}
