// The one connection to the backend, typed by the API both ends share (shared/api.ts).
import type { Api } from '../shared/api.ts'
import { connectSync } from '../taupy/sync/client.ts'
import type { StateName } from '../taupy/sync/api.ts'
import { useConnection, useServerState } from './taupy/useServerState.ts'

// `hot`: when this file is hot-updated, the new connection takes over from the old one (which
// closes) with the values it had, so the page neither leaks sockets nor flashes "loading".
export const backend = connectSync<Api>({ hot: import.meta.hot })

/** `const count = useBackendState('counter')`: re-renders whenever the backend changes it. */
export const useBackendState = <Name extends StateName<Api>>(name: Name) => useServerState(backend, name)
export const useBackendConnection = () => useConnection(backend)
