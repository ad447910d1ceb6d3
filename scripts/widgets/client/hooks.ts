// Client hooks, LiveView's one door for browser-only code: an element rendered with
// `data-hook="name"` runs the hook registered under that name in startWidgets({ hooks }).
// This file keeps the bookkeeping (which element runs which hook); patch.ts tells it what a
// patch added, changed and removed. Hooks are code in the bundle, never strings from the server.

export interface HookContext {
  /**
   * Sends `event` (and a string value) to the server handlers given with hook(name, handlers),
   * on the same path as DOM events: with a ref, acknowledged. False when it could not be sent
   * (not connected, or the element has no server handlers).
   */
  pushEvent(event: string, value?: string): boolean
}

export interface Hook {
  /** The element is in the page (first paint, or added by a patch). */
  mounted?(el: HTMLElement, ctx: HookContext): void
  /** A patch changed the element or its contents (undoing what the hook wrote there). */
  updated?(el: HTMLElement, ctx: HookContext): void
  /** The page joined again after its socket dropped (maybe a new backend): re-send what the server must know. */
  reconnected?(el: HTMLElement, ctx: HookContext): void
  /** The element left the page: stop timers, release what mounted took. */
  destroyed?(el: HTMLElement): void
}

export type Hooks = Readonly<Record<string, Hook>>

/** Sends a hook's event to the server on behalf of its element. */
export type PushEvent = (el: HTMLElement, event: string, value?: string) => boolean

export interface HookRunner {
  mount(el: HTMLElement): void
  update(el: HTMLElement): void
  destroy(el: HTMLElement): void
  /** Tells every running hook that the page joined again. */
  reconnect(): void
}

export function hookRunner(hooks: Hooks, pushEvent: PushEvent): HookRunner {
  // Elements leave through destroy() (morphdom reports every discarded node), so a Map holds
  // only live elements, and reconnect() can walk them.
  const running = new Map<HTMLElement, { name: string; hook: Hook; ctx: HookContext }>()
  // One hook's failure is logged and does not stop the patch or the other hooks.
  const guard = (name: string, call: () => void): void => {
    try {
      call()
    } catch (error) {
      console.error(`taupy: hook ${name}:`, error)
    }
  }

  const runner: HookRunner = {
    mount(el) {
      const name = el.getAttribute('data-hook')
      if (name === null || running.has(el)) return
      const hook = hooks[name]
      if (!hook) return console.warn(`taupy: no client hook ${name} (startWidgets({ hooks }))`)
      const ctx: HookContext = { pushEvent: (event, value) => pushEvent(el, event, value) }
      running.set(el, { name, hook, ctx })
      guard(name, () => hook.mounted?.(el, ctx))
    },
    update(el) {
      const entry = running.get(el)
      if (entry?.name !== (el.getAttribute('data-hook') ?? undefined)) {
        // The patch added, removed or renamed the hook attribute.
        runner.destroy(el)
        runner.mount(el)
      } else if (entry) {
        guard(entry.name, () => entry.hook.updated?.(el, entry.ctx))
      }
    },
    destroy(el) {
      const entry = running.get(el)
      if (!entry) return
      running.delete(el)
      guard(entry.name, () => entry.hook.destroyed?.(el))
    },
    reconnect() {
      for (const [el, entry] of running) guard(entry.name, () => entry.hook.reconnected?.(el, entry.ctx))
    },
  }
  return runner
}
