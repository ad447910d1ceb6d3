// A small router on the History API, enough for a few pages; src/router.ts binds it to the
// framework. The backend answers every unknown path with index.html (spaFallback), so
// reloading on /about works.
export const routes = { home: '/', about: '/about' } as const

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()))

export function navigate(path: string): void {
  history.pushState(null, '', path)
  listeners.forEach((listener) => listener())
}

/** Calls `listener` after every navigation; returns the unsubscribe function. */
export function onNavigate(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
