// A small router on the History API: enough for a few pages. The backend answers every unknown
// path with index.html (spaFallback), so reloading on /about works. For more, use React Router.
import { useSyncExternalStore } from 'react'

export const routes = { home: '/', about: '/about' } as const

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()))

export function navigate(path: string): void {
  history.pushState(null, '', path)
  listeners.forEach((listener) => listener())
}

export function usePath(): string {
  return useSyncExternalStore(
    (onChange) => {
      listeners.add(onChange)
      return () => listeners.delete(onChange)
    },
    () => location.pathname,
  )
}
