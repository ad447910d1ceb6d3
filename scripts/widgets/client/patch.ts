// Applies the server's component patches with morphdom. Elements are matched by component id
// (data-c) so keyed rows move instead of being rebuilt; a `data-keep` placeholder means "this
// child did not change"; the focused text field keeps what the user is typing (the server
// never fights the caret), unless the patch answers the user's own submit or key press.
import morphdom from 'morphdom'
import type { Patch } from '../protocol.js'

const textEntry = (element: Element): element is HTMLInputElement | HTMLTextAreaElement =>
  element instanceof HTMLTextAreaElement ||
  (element instanceof HTMLInputElement && !['checkbox', 'radio', 'range', 'button', 'submit', 'file', 'color'].includes(element.type))

const hasValue = (element: Element): element is HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement =>
  element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement

function morphOptions(keepFocusedValue: boolean): Parameters<typeof morphdom>[2] {
  return {
    getNodeKey(node) {
      return node.nodeType === 1 ? ((node as Element).getAttribute('data-c') ?? ((node as Element).id || undefined)) : undefined
    },
    onBeforeElUpdated(from, to) {
      if (to.hasAttribute('data-keep')) return false
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
  }
}

export interface ApplyOptions {
  /** Keep the focused field's value (everything but the user's submit/key answers). */
  keepFocusedValue: boolean
  /** A whole-page render: morph the page root even if its id changed (new backend). */
  root?: boolean
}

export function applyPatches(patches: readonly Patch[], options: ApplyOptions): void {
  const morph = morphOptions(options.keepFocusedValue)
  for (const patch of patches) {
    const target = options.root ? document.body.firstElementChild : document.querySelector(`[data-c="${CSS.escape(patch.id)}"]`)
    if (!target) {
      console.warn(`taupy: component ${patch.id} is not in the page`)
      continue
    }
    morphdom(target, patch.html, morph)
  }
}
