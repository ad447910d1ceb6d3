// Forwards DOM events to the server: one listener per event type on the document finds the
// nearest element with `data-on-<type>` and sends its handler id with what the handler needs.
// Key presses are sent only for the keys listed in `data-keys` (else every key). Input events
// of a field with `data-taupy-debounce` (ms or "blur") or `data-taupy-throttle` (ms) are held
// back; anything else the user does first sends what is held, so the server sees events in order.
import type { EventMessage } from '../protocol.js'

type Outgoing = Omit<EventMessage, 'ref' | 'type'>

/** What each field last sent (its ref and value): patch.ts keeps text typed since. */
export const lastSent = new WeakMap<Element, { ref: number; value: string }>()

function valueOf(element: Element): string | undefined {
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) {
    // A multi-select sends every chosen value, one per line.
    if (element instanceof HTMLSelectElement && element.multiple) return [...element.selectedOptions].map((option) => option.value).join('\n')
    return element.value
  }
  return undefined
}

function formFields(form: HTMLFormElement): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') fields[name] = name in fields ? `${fields[name]}\n${value}` : value
  return fields
}

function describe(type: EventMessage['event'], element: Element, event: Event): Outgoing | undefined {
  const target = element.getAttribute(`data-on-${type}`)
  if (!target) return undefined
  const message: Outgoing = { target, event: type }
  const value = valueOf(element)
  if (value !== undefined) message.value = value
  if (element instanceof HTMLInputElement && (element.type === 'checkbox' || element.type === 'radio')) message.checked = element.checked
  if (event instanceof KeyboardEvent) {
    const keys = element.getAttribute('data-keys')
    if (keys && !keys.split(',').includes(event.key)) return undefined
    message.key = event.key
  }
  if (type === 'submit' && element instanceof HTMLFormElement) message.form = formFields(element)
  return message
}

/** Sends an event for an element; returns its ref, or 0 when it was not sent. */
export type SendEvent = (event: Outgoing, element: Element, done?: (error?: string) => void) => number

/** The text of each field's last input event: what the server keeps as the base of an edit. */
const inputBase = new WeakMap<Element, string>()

/** Long text goes as the change since the last input event (a 23 kB note: a few bytes a key). */
function asEdit(message: Outgoing, base: string | undefined): Outgoing {
  const value = message.value!
  if (base === undefined || value.length < 256) return message
  let at = 0
  while (at < base.length && at < value.length && base[at] === value[at]) at++
  let end = 0
  while (end < base.length - at && end < value.length - at && base[base.length - 1 - end] === value[value.length - 1 - end]) end++
  const edited: Outgoing = { ...message, edit: { base: base.length, at, cut: base.length - at - end, put: value.slice(at, value.length - end) } }
  delete edited.value
  return edited
}

export function forwardEvents(send: SendEvent, blocked: (type: string, element: Element) => boolean): void {
  const held = new Map<Element, { run: () => void; timer?: ReturnType<typeof setTimeout> }>()
  const sentAt = new WeakMap<Element, number>()
  const release = (only?: EventTarget | null): void => {
    for (const [element, entry] of held) if (!only || element === only) entry.run()
  }
  const dispatch = (type: EventMessage['event'], element: Element, message: Outgoing | undefined, whole = false): void => {
    if (!message) return
    const value = message.value
    const input = type === 'input' && value !== undefined
    // A backend that lost the base (restarted) answers stale_edit: then the whole text goes.
    const ref = input
      ? send(whole ? message : asEdit(message, inputBase.get(element)), element, (error) => {
          if (error?.startsWith('stale edit')) dispatch(type, element, { ...message, value: valueOf(element) ?? value }, true)
        })
      : send(message, element)
    if (!ref || value === undefined) return
    if (input) inputBase.set(element, value)
    if (input || type === 'change') lastSent.set(element, { ref, value })
  }
  const types: EventMessage['event'][] = ['click', 'input', 'change', 'submit', 'keydown']
  for (const type of types) {
    document.addEventListener(type, (event) => {
      const origin = event.target instanceof Element ? event.target : null
      const element = origin?.closest(`[data-on-${type}]`)
      if (!element) return
      // The server renders what happens next; the browser must not also submit or reload.
      if (type === 'submit') event.preventDefault()
      const debounce = element.getAttribute('data-taupy-debounce')
      const throttle = Number(element.getAttribute('data-taupy-throttle'))
      if (type !== 'input' || (debounce === null && !throttle)) {
        const message = describe(type, element, event)
        if (!message) return
        // A listed key is the server's to act on (Enter submits, Escape closes a modal).
        if (message.key === 'Enter' || element.hasAttribute('data-keys')) event.preventDefault()
        if (blocked(type, element)) return
        release()
        return dispatch(type, element, message)
      }
      // The held event reads the field when it goes, so it carries the latest text.
      clearTimeout(held.get(element)?.timer)
      const run = (): void => {
        clearTimeout(held.get(element)?.timer)
        held.delete(element)
        sentAt.set(element, Date.now())
        dispatch(type, element, describe(type, element, event))
      }
      const wait = debounce === null ? (sentAt.get(element) ?? -Infinity) + throttle - Date.now() : Number(debounce)
      if (debounce === null && wait <= 0) return run()
      held.set(element, debounce === 'blur' ? { run } : { run, timer: setTimeout(run, wait) })
    })
  }
  document.addEventListener('focusout', (event) => release(event.target))
}
