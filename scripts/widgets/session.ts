// One window's live UI: its components, its route, the queue of its events, and the socket it
// is attached to (none between the first paint and the join, or while reconnecting). The
// session renders dirty components into patches after each event and answers with an ack.
import { randomUUID } from 'node:crypto'
import { Component, type ComponentOwner, type EventData, type EventName, type Handler } from './component.js'
import { runInSession } from './context.js'
import { html, type Content } from './html.js'
import type { ClientMessage, EventMessage, Patch, ServerMessage, StreamMessage } from './protocol.js'
import { state, type State } from './reactive.js'
import { createRouterView, type Routes } from './router.js'

export interface WidgetApp {
  /** Path → page factory; a page is created once per window, the first time it is shown. */
  routes: Routes
  /** Wraps every page (navigation, header); gets the current page to place. */
  layout?: (page: Content) => Content
  /**
   * 'components' sends only dirty components. 'page' re-renders and sends the whole page on
   * every change: the naive baseline the benchmark compares against.
   */
  strategy?: 'components' | 'page'
}

/** An event for a handler that is not (or no longer) in the page. */
export class UnknownTargetError extends Error {}

/** An edit whose base text this session does not have: the client sends the whole value. */
export class StaleEditError extends Error {}

/** The longest text an edit may build (a value alone is capped at 100,000 by the schema). */
const maxEditedLength = 1_000_000

export class WidgetSession implements ComponentOwner {
  readonly id = randomUUID()
  readonly path: State<string>
  readonly root: Component
  #app: WidgetApp
  #lastId = 0
  #components = new Map<string, Component>()
  #dirty = new Set<Component>()
  #flushQueued = false
  #renderingAll = false
  #send: ((message: ServerMessage) => void) | undefined
  #clientHasPage = false
  #queue: Promise<void> = Promise.resolve()
  /** The ref of the message being handled: patches it causes, even mid-await, carry it. */
  #handlingRef: number | undefined
  #closeCallbacks: (() => void | Promise<void>)[] = []
  /** What each bound text field shows in the browser, as far as this session knows, by handler id. */
  #fields = new Map<string, { value: string | undefined }>()
  /** The text of each field's last event, by handler id: the base of its next edit. */
  #received = new Map<string, string>()
  /** Where render errors outside an event go (the server's log). */
  onRenderError: (error: unknown) => void = (error) => console.error(error)

  constructor(app: WidgetApp, path: string) {
    this.#app = app
    this.path = state(path)
    this.root = runInSession(this, () => {
      const view = createRouterView(app.routes)
      const layout = app.layout ?? ((page: Content) => page)
      return new Component(this, () => html`<div class="taupy-root">${layout(view)}</div>`)
    })
  }

  get renderingAll(): boolean {
    return this.#renderingAll
  }
  get attached(): boolean {
    return this.#send !== undefined
  }

  nextComponentId(): string {
    return `c${++this.#lastId}`
  }
  register(component: Component): void {
    this.#components.set(component.id, component)
  }
  unregister(component: Component): void {
    this.#components.delete(component.id)
    this.#dirty.delete(component)
    for (const map of [this.#fields, this.#received]) for (const target of map.keys()) if (target.startsWith(`${component.id}.`)) map.delete(target)
  }
  fieldShows(targets: readonly string[], value: string): boolean {
    const record = targets.map((target) => this.#fields.get(target)).find(Boolean) ?? { value: undefined }
    for (const target of targets) this.#fields.set(target, record)
    const shows = !this.#renderingAll && record.value === value
    record.value = value
    return shows
  }
  markDirty(component: Component): void {
    this.#dirty.add(component)
    if (this.#flushQueued) return
    this.#flushQueued = true
    queueMicrotask(() => {
      this.#flushQueued = false
      try {
        this.flush(this.#handlingRef)
      } catch (error) {
        this.onRenderError(error)
      }
    })
  }

  navigate(path: string): void {
    if (path === this.path.peek()) return
    this.path.set(path)
    this.#send?.({ type: 'navigate', path })
  }

  /** The whole page as HTML, every component rendered. */
  renderAll(): string {
    this.#renderingAll = true
    try {
      return runInSession(this, () => this.root.renderInto().markup)
    } finally {
      this.#renderingAll = false
      this.#dirty.clear()
    }
  }

  /** The page for the first HTTP response; the first join then needs only later changes. */
  renderFirstPaint(): string {
    const markup = this.renderAll()
    this.#clientHasPage = true
    return markup
  }

  /**
   * Connects a socket. After the server-rendered first paint only what changed since is sent;
   * any other join (a re-join after a drop may have missed patches, or a session the backend
   * never rendered) gets the whole page.
   */
  attach(send: (message: ServerMessage) => void): void {
    this.#send = send
    if (this.#clientHasPage) {
      this.#clientHasPage = false
      this.flush()
    } else {
      send({ type: 'patch', root: true, patches: [{ id: this.root.id, html: this.renderAll() }] })
    }
  }

  detach(): void {
    this.#send = undefined
  }

  /** Renders the dirty components and sends them as one patch message. */
  flush(ref?: number): void {
    if (!this.#send || this.#dirty.size === 0) return
    const patches: Patch[] = []
    let failure: unknown
    runInSession(this, () => {
      if (this.#app.strategy === 'page') {
        this.#dirty.clear()
        this.#renderingAll = true
        try {
          patches.push({ id: this.root.id, html: this.root.render() })
        } finally {
          this.#renderingAll = false
        }
        return
      }
      // Parents first: rendering a parent renders its dirty children, which are then clean.
      const dirty = [...this.#dirty].sort((a, b) => a.depth - b.depth)
      this.#dirty.clear()
      for (const component of dirty) {
        if (!component.mounted || !component.dirty) continue
        try {
          patches.push({ id: component.id, html: component.render() })
        } catch (error) {
          failure ??= error
        }
      }
    })
    if (patches.length > 0) this.#send({ type: 'patch', ...(ref === undefined ? {} : { ref }), patches })
    if (failure !== undefined) throw failure
  }

  /**
   * Sends a stream's row change, after the patches of what changed before it (so a stream
   * rendered in this same event is in the page first). Dropped while no socket is attached.
   */
  sendStream(message: StreamMessage): void {
    if (!this.#send) return
    if (this.#dirty.size > 0) this.flush(this.#handlingRef)
    this.#send(message)
  }

  /** The handler `target` ("c3.0") names for `event`, or UnknownTargetError. */
  handlerFor(target: string, event: EventName): Handler {
    const [componentId, index] = target.split('.') as [string, string]
    const handler = this.#components.get(componentId)?.handler(index, event)
    if (!handler) throw new UnknownTargetError(`no ${event} handler ${target} in this page (it may have been re-rendered away)`)
    return handler
  }

  /** Runs `callback` when the window is gone; close() resolves once every callback is done. */
  onClose(callback: () => void | Promise<void>): void {
    this.#closeCallbacks.push(callback)
  }

  #applyEdit(target: string, edit: NonNullable<EventMessage['edit']>): string {
    const base = this.#received.get(target)
    if (base === undefined || base.length !== edit.base) throw new StaleEditError(`stale edit: no text of length ${edit.base} for ${target} here; send the whole value`)
    if (edit.at + edit.cut > base.length) throw new Error(`edit of ${target} beyond its text`)
    const value = base.slice(0, edit.at) + edit.put + base.slice(edit.at + edit.cut)
    if (value.length > maxEditedLength) throw new Error(`the text of ${target} would be longer than ${maxEditedLength} characters`)
    return value
  }

  /** Handles one client message after the ones before it (handlers may be async). */
  handle(message: Extract<ClientMessage, { type: 'event' | 'navigate' }>): Promise<void> {
    const run = this.#queue.then(() => this.#handleNow(message))
    this.#queue = run.catch(() => {})
    return run
  }

  async #handleNow(message: Extract<ClientMessage, { type: 'event' | 'navigate' }>): Promise<void> {
    this.#handlingRef = message.ref
    try {
      if (message.type === 'navigate') this.path.set(message.path)
      else {
        const handler = this.handlerFor(message.target, message.event)
        const data: EventData = {}
        const value = message.edit ? this.#applyEdit(message.target, message.edit) : message.value
        if (value !== undefined) {
          this.#received.set(message.target, value)
          data.value = value
          // What the user typed is what the browser shows now.
          const field = this.#fields.get(message.target)
          if (field) field.value = value
        }
        if (message.checked !== undefined) data.checked = message.checked
        if (message.key !== undefined) data.key = message.key
        if (message.form !== undefined) data.form = message.form
        if (message.name !== undefined) data.name = message.name
        await runInSession(this, () => handler(data))
      }
    } finally {
      this.#handlingRef = undefined
      this.flush(message.ref)
    }
    this.#send?.({ type: 'ack', ref: message.ref })
  }

  /** The window is gone: unsubscribe everything from app-wide state, run the close callbacks. */
  close(): Promise<void> {
    this.detach()
    this.root.unmount()
    const callbacks = this.#closeCallbacks.splice(0)
    return Promise.all(
      callbacks.map(async (callback) => {
        try {
          await callback()
        } catch (error) {
          this.onRenderError(error)
        }
      }),
    ).then(() => {})
  }
}
