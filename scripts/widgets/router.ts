// Pages and navigation. The route is per-window state; the router view re-renders when it
// changes. Links are real <a href> elements (they work before the socket is up and with
// middle-click); the client turns plain clicks into history.pushState + a `navigate` message,
// and back/forward into the same message.
import { component, type Component } from './component.js'
import { activeSession } from './context.js'
import { attributes, html, type Content, type Html } from './html.js'

export type Routes = Record<string, () => Component>

const pathname = (path: string): string => {
  const end = path.search(/[?#]/)
  const bare = end < 0 ? path : path.slice(0, end)
  return bare.length > 1 && bare.endsWith('/') ? bare.slice(0, -1) : bare
}

/** The component that shows the page for the current route. Pages are kept per window. */
export function createRouterView(routes: Routes): Component {
  const session = activeSession()
  const pages = new Map<string, Component>()
  return component(() => {
    const path = pathname(session.path.get())
    const create = routes[path]
    if (!create) return html`<div class="taupy-route"><h1>Not found</h1><p>No page at ${path}.</p></div>`
    let page = pages.get(path)
    if (!page) pages.set(path, (page = create()))
    return html`<div class="taupy-route">${page}</div>`
  })
}

/** This window's route, path and query (subscribes the rendering component). */
export function currentPath(): string {
  return activeSession().path.get()
}

/** Moves this window to another route (from an event handler). */
export function navigate(path: string): void {
  if (!path.startsWith('/')) throw new Error(`navigate() takes a path starting with "/", got ${path}`)
  activeSession().navigate(path)
}

export interface LinkOptions {
  class?: string
}

/** A link; in-app paths navigate without reloading, others open as usual. */
export function link(href: string, label: Content, options: LinkOptions = {}): Html {
  const inApp = href.startsWith('/') && !href.startsWith('//')
  const active = inApp && pathname(href) === pathname(currentPath())
  return html`<a${attributes({ href, 'data-nav': inApp, class: options.class, 'aria-current': active ? 'page' : undefined })}>${label}</a>`
}
