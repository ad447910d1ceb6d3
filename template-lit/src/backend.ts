// The one connection to the backend, typed by the API both ends share (shared/api.ts).
import type { ReactiveControllerHost } from 'lit'
import type { Api } from '../shared/api.ts'
import type { StateName } from '../taupy/sync/api.ts'
import { connectSync } from '../taupy/sync/client.ts'
import { Connection, ServerState } from './taupy/controllers.ts'

// `hot`: when this file is hot-updated, the new connection takes over from the old one (which
// closes) with the values it had, so the page neither leaks sockets nor flashes "loading".
export const backend = connectSync<Api>({ hot: import.meta.hot })

/** `count = backendState(this, 'counter')`: the element re-renders whenever the backend changes it. */
export const backendState = <Name extends StateName<Api>>(host: ReactiveControllerHost, name: Name) =>
  new ServerState(host, backend, name)
export const backendConnection = (host: ReactiveControllerHost) => new Connection(host, backend)
