// Applies the server's component patches with morphdom. Elements are matched by component id
// (data-c) so keyed rows move instead of being rebuilt; a `data-keep` placeholder means "this
// child did not change"; the focused text field keeps what the user is typing (the server
// never fights the caret), unless the patch answers the user's own submit or key press. A field
// that sent input events keeps its text unless the patch answers its latest event and nothing
// was typed since (sequence per field), and then keeps its caret. `data-taupy-ignore` elements
// are the client's: patches leave them (and everything in them) as they are.
// Client hooks learn here what a patch added, changed and removed, and run once it is done.
import morphdom from 'morphdom'
import type { Patch } from '../protocol.js'
import { carryCommands } from './commands.js'
import { lastSent } from './events.js'
import type { HookRunner } from './hooks.js'
import { carryPending } from './pending.js'

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
  /** A modal the patch removed: focus goes back to what opened it. */
  closed?: HTMLDialogElement
  /** The focused field whose value a patch may set, and its selection before. */
  caret?: [HTMLInputElement | HTMLTextAreaElement, number | null, number | null]
}

function morphOptions(options: ApplyOptions, hooks: HookChanges): Parameters<typeof morphdom>[2] {
  return {
    getNodeKey(node) {
      return node.nodeType === 1 ? ((node as Element).getAttribute('data-c') ?? ((node as Element).id || undefined)) : undefined
    },
    onBeforeElUpdated(from, to) {
      if (to.hasAttribute('data-keep')) return false
      // showModal() set `open`; the server's markup does not have it.
      if (from instanceof HTMLDialogElement && from.open) to.setAttribute('open', '')
      if (from.hasAttribute('data-taupy-ignore') && to.hasAttribute('data-taupy-ignore')) {
        // The client's region: only the server's attributes are updated (data for its hook).
        let changed = false
        for (const { name, value } of to.attributes) {
          if (from.getAttribute(name) !== value) {
            from.setAttribute(name, value)
            changed = true
          }
        }
        if (changed && hooked(from)) hooks.updated.push(from)
        return false
      }
      carryPending(from, to)
      carryCommands(from, to)
      if ((hooked(from) || hooked(to)) && !from.isEqualNode(to)) hooks.updated.push(from)
      // A field rendered without a value belongs to the user (form fields read on submit).
      if (to.hasAttribute('data-keep-value') && hasValue(from) && hasValue(to)) {
        // morphdom picks a select's option from the `selected` attributes, not from .value.
        if (to instanceof HTMLSelectElement) for (const option of to.options) option.toggleAttribute('selected', option.value === from.value)
        else to.value = from.value
      }
      if (textEntry(from) && textEntry(to)) {
        const sent = lastSent.get(from)
        const typedSince = sent ? from.value !== sent.value || (sent.ref !== options.answering && options.isPending(sent.ref)) : from === document.activeElement && options.keepFocusedValue
        if (typedSince) to.value = from.value
        else if (from === document.activeElement) hooks.caret = [from, from.selectionStart, from.selectionEnd]
      }
      return true
    },

    onNodeAdded(node) {
      if (hooked(node)) hooks.added.push(node)
    },
    onNodeDiscarded(node) {
      if (hooked(node)) hooks.removed.push(node)
      if (node instanceof HTMLDialogElement) hooks.closed = node
    },
  }
}

export interface ApplyOptions {
  /** Keep the focused field's value (everything but the user's submit/key answers). */
  keepFocusedValue: boolean
  /** The ref of the event this patch answers. */
  answering?: number | undefined
  /** Whether an event is still waiting for its ack. */
  isPending(ref: number): boolean
  /** A whole-page render: morph the page root even if its id changed (new backend). */
  root?: boolean
  /** Runs the client hooks of what the patches added, changed and removed. */
  hooks: HookRunner
}

export function applyPatches(patches: readonly Patch[], options: ApplyOptions): void {
  const changes: HookChanges = { added: [], updated: [], removed: [] }
  const morph = morphOptions(options, changes)
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
  if (changes.caret) {
    const [field, start, end] = changes.caret
    // Setting a focused field's value moves the caret to the end; put it back.
    try {
      if (field.selectionStart !== start || field.selectionEnd !== end) field.setSelectionRange(start, end)
    } catch {
      // Field types without a selection (email, number).
    }
  }
  openModals()
  const opener = changes.closed && openers.get(changes.closed)
  if (opener?.isConnected && !document.activeElement?.closest('dialog')) opener.focus()
  // Like LiveView: after the whole patch, removed hooks first, then new ones, then updates.
  for (const el of changes.removed) if (!el.isConnected) options.hooks.destroy(el)
  for (const el of changes.added) if (el.isConnected) options.hooks.mount(el)
  for (const el of changes.updated) if (el.isConnected) options.hooks.update(el)
}

/** Mounts the hooks of the page as the server rendered it (the first paint). */
export function mountHooks(root: ParentNode, hooks: HookRunner): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-hook]')) hooks.mount(el)
  openModals()
}

/** What had focus when each modal opened. */
const openers = new WeakMap<HTMLDialogElement, HTMLElement>()

/** A modal() the server rendered opens as a real modal: focus inside, the page behind inert. */
function openModals(): void {
  for (const dialog of document.querySelectorAll<HTMLDialogElement>('dialog[data-taupy-modal]:not([open])')) {
    if (document.activeElement instanceof HTMLElement) openers.set(dialog, document.activeElement)
    dialog.showModal()
  }
}
