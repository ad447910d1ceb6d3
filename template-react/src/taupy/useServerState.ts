// React bindings for server state: a hook that re-renders when the backend changes a value,
// built on useSyncExternalStore so concurrent rendering never sees a torn value.
import { useCallback, useSyncExternalStore } from 'react'
import type { ApiSpec, StateName, StateValue } from '../../taupy/sync/api.ts'
import type { ConnectionState, SyncClient } from '../../taupy/sync/client.ts'

/** The latest value of server state `name`; undefined until the first one arrives. */
export function useServerState<Api extends ApiSpec, Name extends StateName<Api>>(
  client: SyncClient<Api>,
  name: Name,
): StateValue<Api, Name> | undefined {
  const subscribe = useCallback((onChange: () => void) => client.watch(name, onChange), [client, name])
  return useSyncExternalStore(subscribe, () => client.get(name))
}

/** 'open' while the backend is reachable; re-renders on every change. */
export function useConnection<Api extends ApiSpec>(client: SyncClient<Api>): ConnectionState {
  const subscribe = useCallback((onChange: () => void) => client.onConnection(onChange), [client])
  return useSyncExternalStore(subscribe, () => client.connection)
}
