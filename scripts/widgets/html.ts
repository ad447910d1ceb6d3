// The `html` tagged template: every interpolation is escaped unless it is already markup made
// by `html` (or a widget). Raw strings of HTML get in only through `unsafeRawHtml`, whose name
// is meant to stand out in review.
import { ContextScanner } from './html-context.js'

export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup
  }
}

/** Something a widget or `html` can place in the page. Falsy values render nothing. */
export type Content = Html | Renderable | string | number | bigint | boolean | null | undefined | readonly Content[]

/** Objects that render themselves (components, keyed lists) when interpolated. */
export interface Renderable {
  renderInto(): Html
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char]!)
}

function isRenderable(value: unknown): value is Renderable {
  return typeof value === 'object' && value !== null && typeof (value as Renderable).renderInto === 'function'
}

export function toMarkup(content: Content): string {
  if (content === null || content === undefined || content === false || content === true) return ''
  if (content instanceof Html) return content.markup
  if (Array.isArray(content)) return content.map(toMarkup).join('')
  if (isRenderable(content)) return content.renderInto().markup
  return escapeHtml(String(content))
}

/** Text of a value for an attribute: markup counts as its text, and is escaped like any. */
const textOf = (content: Content): string => {
  if (content === null || content === undefined || content === false || content === true) return ''
  if (Array.isArray(content)) return content.map(textOf).join('')
  if (content instanceof Html) return content.markup
  if (isRenderable(content)) return content.renderInto().markup
  return String(content)
}

/** Only markup made by attributes()/on() (or nothing) may stand where attributes go. */
function attributeMarkup(content: Content): string {
  if (content === null || content === undefined || content === false || content === '') return ''
  if (content instanceof Html) return content.markup
  if (Array.isArray(content)) return content.map(attributeMarkup).join('')
  throw new Error(`html: a ${typeof content} value stands where attributes go; use attributes({ name: value }) or on(event, handler)`)
}

/** Each value is escaped for where it lands (see html-context.ts). */
export function html(strings: TemplateStringsArray, ...values: Content[]): Html {
  const scanner = new ContextScanner()
  const checkName = (name: string, fromValue: boolean): void => {
    if (fromValue) refuseBindingName(name)
  }
  scanner.feed(strings[0]!, checkName)
  let markup = strings[0]!
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    const context = scanner.context()
    let inserted: string
    switch (context.kind) {
      case 'text':
        inserted = toMarkup(value)
        break
      case 'attributes':
        inserted = attributeMarkup(value)
        break
      case 'name': {
        inserted = textOf(value)
        if (!/^[-a-zA-Z0-9_:.]*$/.test(inserted)) throw new Error(`html: invalid attribute name part: ${JSON.stringify(inserted)}`)
        break
      }
      case 'unquoted':
        inserted = `"${attributeValue(context.name, textOf(value), true)}"`
        break
      case 'quoted': {
        const text = attributeValue(context.name, textOf(value), context.valueSoFar.trim() === '')
        inserted = context.bare ? text.replace(/[\s`=]/g, (char) => `&#${char.charCodeAt(0)};`) : text
        break
      }
    }
    scanner.inserted(context, context.kind === 'name' ? inserted : textOf(value))
    scanner.feed(strings[i + 1]!, checkName)
    markup += inserted + strings[i + 1]!
  }
  return new Html(markup)
}

/** Inserts a string as HTML, unescaped. Only for markup you produced or sanitised yourself. */
export function unsafeRawHtml(markup: string): Html {
  return new Html(markup)
}

export type AttributeValue = string | number | boolean | null | undefined

/**
 * Names a value must never choose: event handlers run their value as script, the widgets
 * bindings (data-on-*, data-hook, data-taupy-js-* client commands) route events to a handler or
 * change the page, srcdoc is a whole document. Only on(), hook() and onClient() write the
 * bindings, through bindingAttribute().
 */
const bindingName = /^(on|data-on-|data-taupy-js-|data-taupy-upload$|data-hook$|srcdoc$)/i

function refuseBindingName(name: string): void {
  if (bindingName.test(name)) {
    throw new Error(`html: the attribute name "${name}" cannot come from a value (event handlers, data-on-*, data-hook and srcdoc are refused); use on(event, handler)`)
  }
}

/** Attributes whose value is a URL the browser may navigate to or load. */
const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'cite', 'background', 'data', 'ping', 'codebase', 'manifest'])
/** Raster images cannot run script, so data: URLs of them may stay. */
const safeDataUrl = /^data:image\/(png|gif|jpeg|webp|avif|bmp)[;,]/
export const neutralisedUrl = 'about:invalid#taupy-unsafe-url'

/** Browsers skip leading spaces and controls, and drop tabs and newlines anywhere in a URL. */
export function isScriptUrl(url: string): boolean {
  let start = 0
  while (start < url.length && url.charCodeAt(start) <= 0x20) start++
  const normal = url.slice(start).replace(/[\t\n\r]/g, '').toLowerCase()
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(normal)?.[1]
  return scheme === 'javascript' || scheme === 'vbscript' || (scheme === 'data' && !safeDataUrl.test(normal))
}

/** An escaped attribute value; a script URL at the start of a URL attribute is replaced. */
function attributeValue(name: string, text: string, atStart: boolean): string {
  const lower = name.toLowerCase()
  if (bindingName.test(lower)) throw new Error(`html: the value of "${name}" cannot come from a value; use on(event, handler)`)
  if (atStart && urlAttributes.has(lower) && isScriptUrl(text)) return neutralisedUrl
  return escapeHtml(text)
}

function attributeList(attrs: Record<string, AttributeValue>, trusted: boolean): Html {
  let markup = ''
  for (const [name, value] of Object.entries(attrs)) {
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name)) throw new Error(`invalid attribute name: ${name}`)
    if (!trusted) refuseBindingName(name)
    if (value === false || value === null || value === undefined) continue
    markup += value === true ? ` ${name}` : ` ${name}="${trusted ? escapeHtml(String(value)) : attributeValue(name, String(value), true)}"`
  }
  return new Html(markup)
}

/**
 * ` name="value"` pairs; `true` writes a bare attribute, false/null/undefined writes nothing.
 * Event handler names, widget bindings and srcdoc are refused; script URLs are neutralised.
 */
export function attributes(attrs: Record<string, AttributeValue>): Html {
  return attributeList(attrs, false)
}

/** For on() and hook() only (not exported from the package): the binding attributes. */
export function bindingAttribute(name: string, value: string): Html {
  return attributeList({ [name]: value }, true)
}
