// Forwards DOM events to the server: one listener per event type on the document finds the
// nearest element with `data-on-<type>` and sends its handler id with what the handler needs.
// Key presses are sent only for the keys listed in `data-keys` (else every key).
import type { EventMessage } from '../protocol.js'

type Outgoing = Omit<EventMessage, 'ref' | 'type'>

function valueOf(element: Element): string | undefined {
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return element.value
  return undefined
}

function formFields(form: HTMLFormElement): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') fields[name] = value
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

export function forwardEvents(send: (event: Outgoing, element: Element) => void): void {
  const types: EventMessage['event'][] = ['click', 'input', 'change', 'submit', 'keydown']
  for (const type of types) {
    document.addEventListener(type, (event) => {
      const origin = event.target instanceof Element ? event.target : null
      const element = origin?.closest(`[data-on-${type}]`)
      if (!element) return
      // The server renders what happens next; the browser must not also submit or reload.
      if (type === 'submit') event.preventDefault()
      const message = describe(type, element, event)
      if (!message) return
      if (type === 'keydown' && message.key === 'Enter') event.preventDefault()
      send(message, element)
    })
  }
}
