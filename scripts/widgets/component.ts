// A component is a render function with an id. Its root element carries `data-c="<id>"`, which
// is how a patch finds it in the page. When a parent re-renders, a child that is unchanged and
// already in the page is sent as an empty placeholder the client keeps as it is, so a patch
// holds only what changed.
import { attributes, Html, toMarkup, type Content, type Renderable } from './html.js'
import { withObserver, type Observer, type State } from './reactive.js'
import { activeSession } from './context.js'

/** What a handler gets from the browser event. */
export interface EventData {
  /** input, textarea, select value (input/change), or the range value. */
  value?: string
  checked?: boolean
  key?: string
  /** Named fields of a submitted form. */
  form?: Record<string, string>
  /** The event a client hook pushed (event 'hook'). */
  name?: string
}

export type EventName = 'click' | 'input' | 'change' | 'submit' | 'keydown' | 'hook'
export type Handler = (event: EventData) => void | Promise<void>

/** The session side a component needs: ids, a registry for events and a dirty queue. */
export interface ComponentOwner {
  nextComponentId(): string
  register(component: Component): void
  unregister(component: Component): void
  markDirty(component: Component): void
  /** True while rendering the whole page (first paint, re-sync): no placeholders. */
  readonly renderingAll: boolean
  /** This window's route (path and query), read by the router view. */
  readonly path: State<string>
  navigate(path: string): void
}

const voidTags = new Set(['area', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'])
const rootTag = /^\s*<([a-zA-Z][a-zA-Z0-9-]*)/

let rendering: Component | undefined

export class Component implements Renderable, Observer {
  readonly id: string
  readonly owner: ComponentOwner
  #render: () => Content
  #sources = new Set<State<unknown>>()
  #handlers = new Map<string, { event: EventName; handler: Handler }>()
  #children = new Set<Component>()
  #tag = 'div'
  #dirty = true
  #mounted = false
  parent: Component | undefined

  constructor(owner: ComponentOwner, render: () => Content) {
    this.owner = owner
    this.id = owner.nextComponentId()
    this.#render = render
  }

  get dirty(): boolean {
    return this.#dirty
  }
  get mounted(): boolean {
    return this.#mounted
  }
  get depth(): number {
    let depth = 0
    for (let node = this.parent; node; node = node.parent) depth++
    return depth
  }

  invalidate(): void {
    if (this.#dirty) return
    this.#dirty = true
    if (this.#mounted) this.owner.markDirty(this)
  }

  track(source: State<unknown>): void {
    this.#sources.add(source)
  }

  handler(index: string, event: EventName): Handler | undefined {
    const entry = this.#handlers.get(index)
    return entry?.event === event ? entry.handler : undefined
  }

  /** Called when a parent's template interpolates this component. */
  renderInto(): Html {
    if (rendering && rendering !== this) {
      rendering.#children.add(this)
      this.parent = rendering
    }
    if (this.#mounted && !this.#dirty && !this.owner.renderingAll) {
      const end = voidTags.has(this.#tag) ? '' : `</${this.#tag}>`
      return new Html(`<${this.#tag} data-c="${this.id}" data-keep>${end}`)
    }
    return new Html(this.render())
  }

  /** Renders this component (and any dirty or new children) to markup. */
  render(): string {
    const previous = rendering
    const oldChildren = this.#children
    const oldSources = this.#sources
    const oldHandlers = this.#handlers
    this.#children = new Set()
    this.#sources = new Set()
    this.#handlers = new Map()
    // oxlint-disable-next-line typescript/no-this-alias -- the module-wide "who is rendering" pointer, restored below
    rendering = this
    let markup: string
    try {
      markup = withObserver(this, () => toMarkup(this.#render()))
    } catch (error) {
      this.#children = oldChildren
      this.#handlers = oldHandlers
      for (const source of oldSources) this.#sources.add(source)
      throw error
    } finally {
      rendering = previous
    }
    const match = rootTag.exec(markup)
    if (!match || markup.startsWith(' data-c=', match[0].length)) {
      throw new Error(`component ${this.id} must render one root element of its own, got: ${markup.slice(0, 60)}`)
    }
    this.#tag = match[1]!.toLowerCase()
    const at = match[0].length
    markup = `${markup.slice(0, at)} data-c="${this.id}"${markup.slice(at)}`

    for (const source of oldSources) if (!this.#sources.has(source)) source.unsubscribe(this)
    for (const child of oldChildren) if (!this.#children.has(child)) child.unmount()
    this.#dirty = false
    if (!this.#mounted) {
      this.#mounted = true
      this.owner.register(this)
    }
    return markup
  }

  /** Leaves the page: drops subscriptions and handlers; rendering it again brings it back. */
  unmount(): void {
    if (!this.#mounted) return
    this.#mounted = false
    this.#dirty = true
    for (const source of this.#sources) source.unsubscribe(this)
    this.#sources.clear()
    this.#handlers.clear()
    this.owner.unregister(this)
    for (const child of this.#children) if (child.parent === this) child.unmount()
    this.#children.clear()
  }

  /** Registers a handler on the element being written; used by `on()`. */
  addHandler(event: EventName, handler: Handler): string {
    const index = String(this.#handlers.size)
    this.#handlers.set(index, { event, handler })
    return `${this.id}.${index}`
  }
}

/**
 * Makes a component from a render function. Create components in a page or component setup
 * (not inside a render function): state created next to it lives as long as it does.
 */
export function component(render: () => Content): Component {
  return new Component(activeSession(), render)
}

/**
 * An event attribute for an element in a component's template:
 * html`<div ${on('click', () => …)}>`. The id is positional within the component's render,
 * so the same template gives the same ids on every render and typing never races a rename.
 */
export function on(event: EventName, handler: Handler): Html {
  if (!rendering) throw new Error('on() attaches handlers while a component renders; call it inside a component')
  return attributes({ [`data-on-${event}`]: rendering.addHandler(event, handler) })
}
