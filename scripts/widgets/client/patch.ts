// Applies the server's component patches with morphdom. Elements are matched by component id
// (data-c) so keyed rows move instead of being rebuilt; a `data-keep` placeholder means "this
// child did not change"; the focused text field keeps what the user is typing (the server
// never fights the caret), unless the patch answers the user's own submit or key press.
// Client hooks learn here what a patch added, changed and removed, and run once it is done.
import morphdom from 'morphdom'
import type { Patch } from '../protocol.js'
import type { HookRunner } from './hooks.js'

const textEntry = (element: Element): element is HTMLInputElement | HTMLTextAreaElement =>
  element instanceof HTMLTextAreaElement ||
  (element instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'submit', 'file', 'color'].includes(element.type))

const hasValue = (element: Element): element is HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement =>
  element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement

const hooked = (node: Node): node is HTMLElement => node instanceof HTMLElement && node.hasAttribute('data-hook')

/** Hooked elements a patch touched, for their lifecycle callbacks after the whole patch. */
interface HookChanges {
  added: HTMLElement[]
  /** Kept elements whose new version differs (checked before morphing them). */
  updated: HTMLElement[]
  removed: HTMLElement[]
}

function morphOptions(keepFocusedValue: boolean, hooks: HookChanges): Parameters<typeof morphdom>[2] {
  return {
    getNodeKey(node) {
      return node.nodeType === 1 ? ((node as Element).getAttribute('data-c') ?? ((node as Element).id || undefined)) : undefined
    },
    onBeforeElUpdated(from, to) {
      if (to.hasAttribute('data-keep')) return false
      if ((hooked(from) || hooked(to)) && !from.isEqualNode(to)) hooks.updated.push(from)
      // A field rendered without a value belongs to the user (form fields read on submit).
      if (to.hasAttribute('data-keep-value') && hasValue(from) && hasValue(to)) {
        // morphdom picks a select's option from the `selected` attributes, not from .value.
        if (to instanceof HTMLSelectElement) for (const option of to.options) option.toggleAttribute('selected', option.value === from.value)
        else to.value = from.value
      }
      if (from === document.activeElement && textEntry(from) && textEntry(to)) {
        if (keepFocusedValue) to.value = from.value
      }
      return true
    },
    onNodeAdded(node) {
      if (hooked(node)) hooks.added.push(node)
    },
    onNodeDiscarded(node) {
      if (hooked(node)) hooks.removed.push(node)
    },
  }
}

export interface ApplyOptions {
  /** Keep the focused field's value (everything but the user's submit/key answers). */
  keepFocusedValue: boolean
  /** A whole-page render: morph the page root even if its id changed (new backend). */
  root?: boolean
  /** Runs the client hooks of what the patches added, changed and removed. */
  hooks: HookRunner
}

export function applyPatches(patches: readonly Patch[], options: ApplyOptions): void {
  const changes: HookChanges = { added: [], updated: [], removed: [] }
  const morph = morphOptions(options.keepFocusedValue, changes)
  for (const patch of patches) {
    const target = options.root ? document.body.firstElementChild : document.querySelector(`[data-c="${CSS.escape(patch.id)}"]`)
    if (!target) {
      console.warn(`taupy: component ${patch.id} is not in the page`)
      continue
    }
    const morphed = morphdom(target, patch.html, morph)
    // A root whose tag changed is a new element, which morphdom does not report as added.
    if (morphed !== target && hooked(morphed)) changes.added.push(morphed)
  }
  // Like LiveView: after the whole patch, removed hooks first, then new ones, then updates.
  for (const el of changes.removed) if (!el.isConnected) options.hooks.destroy(el)
  for (const el of changes.added) if (el.isConnected) options.hooks.mount(el)
  for (const el of changes.updated) if (el.isConnected) options.hooks.update(el)
}

/** Mounts the hooks of the page as the server rendered it (the first paint). */
export function mountHooks(root: ParentNode, hooks: HookRunner): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-hook]')) hooks.mount(el)
}
