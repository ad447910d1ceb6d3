// Streams: long lists (logs, feeds) whose rows the server sends once and then forgets. The
// container is the client's (like ignore()); append, prepend, update and delete each send one
// small message with one row's markup, and the server keeps no row, so a 100,000-row log costs
// it what a 100-row one does. Rows are plain markup: no on() handlers inside (they belong to
// components, which a stream does not keep); use client commands, or a keyedList for rows that
// act. (LiveView: streams, phx-update="stream".)
import { activeSession } from './context.js'
import { attributes, escapeHtml, Html, type Renderable } from './html.js'
import type { WidgetSession } from './session.js'

export interface StreamOptions<T> {
  /** The container's id (a page-unique name); each row gets the id `<id>-<key>`. */
  id: string
  key(item: T): string | number
  /** One row: markup with one root element (an <li> in the default <ul>, a <tr> in a 'tbody'). */
  row(item: T): Html
  tag?: 'ul' | 'ol' | 'div' | 'tbody'
  class?: string
  /** The browser keeps at most this many rows, dropping from the other end. */
  limit?: number
}

export interface Stream<T> extends Renderable {
  append(item: T): void
  prepend(item: T): void
  /** Replaces the row with the item's key in place (nothing if the browser no longer has it). */
  update(item: T): void
  delete(key: string | number): void
  /** Empties the list in the browser. */
  reset(): void
}

const rootTag = /^\s*<([a-zA-Z][a-zA-Z0-9-]*)/

/** A stream of rows for this window; create it in a page or component setup. */
export function stream<T>(options: StreamOptions<T>): Stream<T> {
  const session = activeSession<WidgetSession>()
  const { id, tag = 'ul' } = options
  const rowId = (key: string | number): string => `${id}-${key}`
  const markup = (item: T): string => {
    const html = options.row(item).markup
    const match = rootTag.exec(html)
    if (!match) throw new Error(`stream ${id}: a row must be one element, got: ${html.slice(0, 60)}`)
    return `${html.slice(0, match[0].length)} id="${escapeHtml(rowId(options.key(item)))}"${html.slice(match[0].length)}`
  }
  return {
    renderInto: () => new Html(`<${tag}${attributes({ id, class: options.class, 'data-taupy-stream': true, 'data-taupy-ignore': true, 'data-limit': options.limit }).markup}></${tag}>`),
    append: (item) => session.sendStream({ type: 'stream', id, op: 'append', html: markup(item) }),
    prepend: (item) => session.sendStream({ type: 'stream', id, op: 'prepend', html: markup(item) }),
    update: (item) => session.sendStream({ type: 'stream', id, op: 'update', html: markup(item) }),
    delete: (key) => session.sendStream({ type: 'stream', id, op: 'delete', row: rowId(key) }),
    reset: () => session.sendStream({ type: 'stream', id, op: 'reset' }),
  }
}
