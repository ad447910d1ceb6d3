// Runs client commands (commands.ts on the server) from `data-taupy-js-<event>` attributes.
// What they change in an element is remembered and put back onto the element's next version
// whenever a patch re-renders it, so "hidden by the user" stays hidden.

type Command = [name: string, selector: string, a?: string, b?: string]

/** Per element: attributes the commands set (string) or removed (null), and classes. */
const made = new WeakMap<Element, { attrs: Map<string, string | null>; classes: Map<string, boolean> }>()

const changesOf = (el: Element) => {
  let entry = made.get(el)
  if (!entry) made.set(el, (entry = { attrs: new Map(), classes: new Map() }))
  return entry
}

function setAttr(el: Element, name: string, value: string | null): void {
  // The server refuses these too; a stored attribute must never become a handler.
  if (/^on/i.test(name)) return
  changesOf(el).attrs.set(name, value)
  if (value === null) el.removeAttribute(name)
  else el.setAttribute(name, value)
}

function setClass(el: Element, name: string, on: boolean): void {
  changesOf(el).classes.set(name, on)
  el.classList.toggle(name, on)
}

function run(commands: Command[], origin: Element): void {
  for (const [name, selector, a = '', b = ''] of commands) {
    for (const el of selector ? document.querySelectorAll(selector) : [origin]) {
      if (name === 'show' || name === 'hide' || name === 'toggle') setAttr(el, 'hidden', (name === 'toggle' ? !el.hasAttribute('hidden') : name === 'hide') ? '' : null)
      else if (name.endsWith('Class')) setClass(el, a, name === 'addClass' || (name === 'toggleClass' && !el.classList.contains(a)))
      else if (name === 'setAttribute' || name === 'removeAttribute') setAttr(el, a, name === 'setAttribute' ? b : null)
      else if (name === 'focus') (el as HTMLElement).focus()
      else if (name === 'dispatch') el.dispatchEvent(new CustomEvent(a, { bubbles: true, detail: b }))
    }
  }
}

export function runClientCommands(): void {
  for (const type of ['click', 'change', 'input', 'submit', 'keydown']) {
    // Capture: the commands run before the event reaches the server's listener.
    document.addEventListener(
      type,
      (event) => {
        const el = event.target instanceof Element ? event.target.closest(`[data-taupy-js-${type}]`) : null
        if (!el) return
        if (type === 'submit') event.preventDefault()
        try {
          run(JSON.parse(el.getAttribute(`data-taupy-js-${type}`)!) as Command[], el)
        } catch (error) {
          console.error('taupy: client commands:', error)
        }
      },
      true,
    )
  }
}

/** Before a patch updates `from` to `to`: what commands changed in `from` carries over. */
export function carryCommands(from: Element, to: Element): void {
  const entry = made.get(from)
  if (!entry) return
  for (const [name, value] of entry.attrs) {
    if (value === null) to.removeAttribute(name)
    else to.setAttribute(name, value)
  }
  for (const [name, on] of entry.classes) to.classList.toggle(name, on)
}
