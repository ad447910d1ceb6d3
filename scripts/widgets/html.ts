// The `html` tagged template: every interpolation is escaped unless it is already markup made
// by `html` (or a widget). Raw strings of HTML get in only through `unsafeRawHtml`, whose name
// is meant to stand out in review.
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

export function html(strings: TemplateStringsArray, ...values: Content[]): Html {
  let markup = strings[0]!
  for (let i = 0; i < values.length; i++) markup += toMarkup(values[i]) + strings[i + 1]!
  return new Html(markup)
}

/** Inserts a string as HTML, unescaped. Only for markup you produced or sanitised yourself. */
export function unsafeRawHtml(markup: string): Html {
  return new Html(markup)
}

export type AttributeValue = string | number | boolean | null | undefined

/** ` name="value"` pairs; `true` writes a bare attribute, false/null/undefined writes nothing. */
export function attributes(attrs: Record<string, AttributeValue>): Html {
  let markup = ''
  for (const [name, value] of Object.entries(attrs)) {
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name)) throw new Error(`invalid attribute name: ${name}`)
    if (value === false || value === null || value === undefined) continue
    markup += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`
  }
  return new Html(markup)
}
