// The current path as React state (for more than a few pages, use React Router).
import { useSyncExternalStore } from 'react'
import { onNavigate } from './navigation.ts'

export { navigate, routes } from './navigation.ts'

export function usePath(): string {
  return useSyncExternalStore(onNavigate, () => location.pathname)
}
