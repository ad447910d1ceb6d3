// A keyed list: one component per key, kept across renders. Adding, removing or reordering
// items re-renders the list with a placeholder per unchanged row (the client keeps those rows
// and moves them by key); a change inside one row re-renders that row alone. Keep item objects
// stable and put what changes in State, so a row subscribes to its own data.
import type { Component } from './component.js'
import { Html } from './html.js'

export interface KeyedListOptions<T> {
  key(item: T): string | number
  /** Makes the row component for an item; called once per key (again if the item object changes). */
  row(item: T): Component
}

export interface KeyedList<T> {
  /** Markup of the rows, to place inside the list's own element in a template. */
  render(items: readonly T[]): Html
}

export function keyedList<T>(options: KeyedListOptions<T>): KeyedList<T> {
  let rows = new Map<string | number, { item: T; component: Component }>()
  return {
    render(items) {
      const next = new Map<string | number, { item: T; component: Component }>()
      let markup = ''
      for (const item of items) {
        const key = options.key(item)
        if (next.has(key)) throw new Error(`keyedList: duplicate key ${String(key)}`)
        let row = rows.get(key)
        if (!row || row.item !== item) row = { item, component: options.row(item) }
        next.set(key, row)
        markup += row.component.renderInto().markup
      }
      // Rows left out are unmounted by the parent's render (they are no longer its children).
      rows = next
      return new Html(markup)
    },
  }
}
