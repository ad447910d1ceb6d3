// Pending states: the element that sent an event carries `data-taupy-pending` until the event's
// ack (a CSS hook). An element with `data-taupy-disable-with="Saving…"` (or, for a form, each
// such element inside it) is disabled and shows that label meanwhile. A patch that arrives
// before the ack re-renders the element; carry() keeps it pending and remembers the new label.

/** Elements showing their disable-with label: what to put back on the ack. */
const saved = new WeakMap<Element, { label: string; disabled: boolean }>()
/** Unacknowledged events per element. */
const counts = new WeakMap<Element, number>()

const swapTargets = (element: Element): Element[] => [
  ...(element.hasAttribute('data-taupy-disable-with') ? [element] : []),
  ...(element instanceof HTMLFormElement ? element.querySelectorAll('[data-taupy-disable-with]') : []),
]

function swap(target: Element): void {
  if (saved.has(target)) return
  saved.set(target, { label: target.innerHTML, disabled: target.hasAttribute('disabled') })
  target.textContent = target.getAttribute('data-taupy-disable-with')
  target.setAttribute('disabled', '')
}

export function markPending(element: Element): void {
  counts.set(element, (counts.get(element) ?? 0) + 1)
  element.setAttribute('data-taupy-pending', '')
  for (const target of swapTargets(element)) swap(target)
}

export function clearPending(element: Element): void {
  const left = (counts.get(element) ?? 1) - 1
  counts.set(element, left)
  if (left > 0) return
  element.removeAttribute('data-taupy-pending')
  for (const target of swapTargets(element)) {
    const entry = saved.get(target)
    if (!entry) continue
    saved.delete(target)
    target.innerHTML = entry.label
    target.toggleAttribute('disabled', entry.disabled)
  }
}

/** Before morphdom updates `from` to `to`: a pending element stays pending through patches. */
export function carryPending(from: Element, to: Element): void {
  if (from.hasAttribute('data-taupy-pending')) to.setAttribute('data-taupy-pending', '')
  const entry = saved.get(from)
  if (!entry) return
  saved.set(from, { label: to.innerHTML, disabled: to.hasAttribute('disabled') })
  to.textContent = from.textContent
  to.setAttribute('disabled', '')
}

/** A second submit of a form (or click on a disable-with button) while the first is pending. */
export const blockedWhilePending = (type: string, element: Element): boolean =>
  element.hasAttribute('data-taupy-pending') && (type === 'submit' || (type === 'click' && element.hasAttribute('data-taupy-disable-with')))
