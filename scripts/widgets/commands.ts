// Client commands: small DOM changes the browser makes at once, with no round trip (show, hide,
// toggle a class, set an attribute, focus, dispatch an event). They are built here on the
// server, chained, and written as JSON into a `data-taupy-js-<event>` attribute that the client
// runs when that event fires; they survive later patches of the elements they changed.
import { attributes, bindingAttribute, type Html } from './html.js'

/** One command: its name, a CSS selector ('' means the element the event fired on), arguments. */
export type ClientCommand = readonly [name: string, selector: string, ...args: string[]]

export type ClientCommandEvent = 'click' | 'change' | 'input' | 'submit' | 'keydown'

export class ClientCommands {
  constructor(readonly list: readonly ClientCommand[] = []) {}
  #then(name: string, selector: string, ...args: string[]): ClientCommands {
    return new ClientCommands([...this.list, [name, selector, ...args]])
  }
  /** Removes `hidden`. */
  show(selector = ''): ClientCommands {
    return this.#then('show', selector)
  }
  /** Sets `hidden`. */
  hide(selector = ''): ClientCommands {
    return this.#then('hide', selector)
  }
  /** Flips `hidden`. */
  toggle(selector = ''): ClientCommands {
    return this.#then('toggle', selector)
  }
  addClass(selector: string, name: string): ClientCommands {
    return this.#then('addClass', selector, name)
  }
  removeClass(selector: string, name: string): ClientCommands {
    return this.#then('removeClass', selector, name)
  }
  toggleClass(selector: string, name: string): ClientCommands {
    return this.#then('toggleClass', selector, name)
  }
  /** Same checks as attributes(): no event handler names, bindings or script URLs. */
  setAttribute(selector: string, name: string, value: string): ClientCommands {
    attributes({ [name]: value })
    return this.#then('setAttribute', selector, name, value)
  }
  removeAttribute(selector: string, name: string): ClientCommands {
    attributes({ [name]: true })
    return this.#then('removeAttribute', selector, name)
  }
  focus(selector = ''): ClientCommands {
    return this.#then('focus', selector)
  }
  /** A bubbling CustomEvent, e.g. for a client hook listening on the element; `detail` is a string. */
  dispatch(selector: string, event: string, detail = ''): ClientCommands {
    if (!/^[a-z][a-z0-9:._-]*$/i.test(event)) throw new Error(`js.dispatch: invalid event name ${JSON.stringify(event)}`)
    return this.#then('dispatch', selector, event, detail)
  }
}

/** The start of every chain: `js.toggle('#help').focus('#help input')`. */
export const js = new ClientCommands()

/**
 * Runs commands in the browser when `event` fires on the element:
 * html`<button ${onClient('click', js.toggle('#help'))}>Help</button>`. Combines with on(): the
 * commands run first, then the event goes to the server.
 */
export function onClient(event: ClientCommandEvent, commands: ClientCommands): Html {
  return bindingAttribute(`data-taupy-js-${event}`, JSON.stringify(commands.list))
}
