// More built-in widgets: radio group, multi-select, number, date, tabs, modal dialog, toasts and
// a sortable table. Each is made of native, labelled elements (fieldset/legend, label, button,
// <dialog>, th with aria-sort), so the keyboard and screen readers work without extra code.
import { component, on, type Component } from './component.js'
import { activeSession } from './context.js'
import { attributes, html, type Content, type Html } from './html.js'
import { state } from './reactive.js'
import type { WidgetSession } from './session.js'
import { textInput, type CommonOptions, type FieldOptions, type SelectOption, type TextInputOptions } from './widgets.js'

type MaybePromise = void | Promise<void>

const optionParts = (option: SelectOption) => (typeof option === 'string' ? { value: option, label: option } : option)
const withClass = (base: string, extra: string | undefined): string => (extra ? `${base} ${extra}` : base)

export interface RadioGroupOptions extends CommonOptions {
  /** The group's visible name (its <legend>). */
  label: Content
  /** The radios' shared name (also the form field's name). */
  name: string
  options: readonly SelectOption[]
  value?: string
  onChange?: (value: string) => MaybePromise
}

/** Radios in a fieldset: Tab enters the group, arrow keys choose. */
export function radioGroup(options: RadioGroupOptions): Html {
  const { onChange } = options
  const radios = options.options.map((option) => {
    const { value, label } = optionParts(option)
    const input = html`<input${attributes({ type: 'radio', name: options.name, value, checked: value === options.value })}${onChange ? on('change', () => onChange(value)) : ''}>`
    return html`<label class="taupy-checkbox">${input} <span>${label}</span></label>`
  })
  return html`<fieldset${attributes({ id: options.id, class: withClass('taupy-radio-group', options.class) })}${options.hook}><legend class="taupy-label">${options.label}</legend>${radios}</fieldset>`
}

export interface MultiSelectOptions extends FieldOptions {
  options: readonly SelectOption[]
  values?: readonly string[]
  /** How many rows show at once. */
  size?: number
  onChange?: (values: string[]) => MaybePromise
}

/** A <select multiple>: Shift/Ctrl with arrows or clicks choose several. */
export function multiSelect(options: MultiSelectOptions): Html {
  const { onChange } = options
  const items = options.options.map((option) => {
    const { value, label } = optionParts(option)
    return html`<option${attributes({ value, selected: options.values?.includes(value) })}>${label}</option>`
  })
  const control = html`<select${attributes({ id: options.id, name: options.name, disabled: options.disabled, multiple: true, size: options.size, class: withClass('taupy-input', options.class) })}${options.hook}${
    onChange ? on('change', (e) => onChange(e.value ? e.value.split('\n') : [])) : ''
  }>${items}</select>`
  return html`<label class="taupy-field"><span class="taupy-label">${options.label}</span>${control}</label>`
}

export interface NumberInputOptions extends Omit<TextInputOptions, 'type' | 'value' | 'onInput' | 'onChange' | 'onEnter'> {
  value?: number
  /** When the user commits a number (blur, Enter, the arrows); NaN when the field is empty. */
  onChange?: (value: number) => MaybePromise
}

export function numberInput(options: NumberInputOptions): Html {
  const { onChange, value, ...rest } = options
  return textInput({
    ...rest,
    type: 'number',
    ...(value === undefined ? {} : { value: String(value) }),
    ...(onChange ? { onChange: (text: string) => onChange(text === '' ? Number.NaN : Number(text)) } : {}),
  })
}

export interface DateInputOptions extends FieldOptions {
  /** YYYY-MM-DD, or '' for none. */
  value?: string
  min?: string
  max?: string
  onChange?: (value: string) => MaybePromise
}

export function dateInput(options: DateInputOptions): Html {
  const { onChange } = options
  const control = html`<input${attributes({
    type: 'date',
    id: options.id,
    name: options.name,
    disabled: options.disabled,
    value: options.value,
    min: options.min,
    max: options.max,
    class: withClass('taupy-input', options.class),
  })}${options.hook}${onChange ? on('change', (e) => onChange(e.value ?? '')) : ''}>`
  return html`<label class="taupy-field"><span class="taupy-label">${options.label}</span>${control}</label>`
}

export interface Tab {
  id: string
  label: Content
  /** Rendered only for the selected tab. */
  content: () => Content
}

export interface TabsOptions extends CommonOptions {
  /** The tab list's accessible name. */
  label: string
  tabs: readonly Tab[]
  selected: string
  onSelect: (id: string) => MaybePromise
}

/** A tablist of buttons (Tab moves between them, Enter or Space selects) and the selected panel. */
export function tabs(options: TabsOptions): Html {
  const base = options.id ?? 'tabs'
  const current = options.tabs.find((tab) => tab.id === options.selected) ?? options.tabs[0]
  const buttons = options.tabs.map((tab) => {
    const selected = tab === current
    return html`<button${attributes({
      type: 'button',
      role: 'tab',
      id: `${base}-tab-${tab.id}`,
      'aria-selected': String(selected),
      'aria-controls': `${base}-panel`,
      class: withClass('taupy-tab', selected ? 'taupy-tab-selected' : undefined),
    })}${on('click', () => options.onSelect(tab.id))}>${tab.label}</button>`
  })
  const panel = current
    ? html`<div${attributes({ role: 'tabpanel', id: `${base}-panel`, 'aria-labelledby': `${base}-tab-${current.id}`, class: 'taupy-tab-panel', tabindex: 0 })}>${current.content()}</div>`
    : ''
  return html`<div${attributes({ id: options.id, class: withClass('taupy-tabs', options.class) })}${options.hook}><div role="tablist"${attributes({ 'aria-label': options.label })}>${buttons}</div>${panel}</div>`
}

export interface ModalOptions extends CommonOptions {
  /** The dialog's heading and accessible name. */
  title: Content
  /** Escape, the close button (and your own buttons) call it: set your open state to false. */
  onClose: () => MaybePromise
}

/**
 * A modal <dialog> (the browser keeps focus inside it and the page behind inert). Render it
 * while it is open: html`${open.get() ? modal({ title: 'Delete?', onClose: () => open.set(false) }, …) : ''}`.
 */
export function modal(options: ModalOptions, ...children: Content[]): Html {
  const base = options.id ?? 'modal'
  return html`<dialog${attributes({ id: options.id, class: withClass('taupy-modal', options.class), 'aria-labelledby': `${base}-title`, 'data-taupy-modal': true, 'data-keys': 'Escape' })}${options.hook}${on(
    'keydown',
    () => options.onClose(),
  )}><div class="taupy-modal-head"><h2${attributes({ id: `${base}-title` })}>${options.title}</h2><button type="button" class="taupy-button taupy-plain" aria-label="Close"${on('click', () => options.onClose())}>×</button></div>${children}</dialog>`
}

export interface Toasts {
  /** Place this component where the toasts show (once per page or layout). */
  readonly view: Component
  /** Shows a message for `ms` (default 4 s); the user can dismiss it sooner. */
  show(text: string, options?: { kind?: 'info' | 'error'; ms?: number }): void
}

/** Short messages in a polite live region; their timers end when the window closes. */
export function toasts(): Toasts {
  const session = activeSession<WidgetSession>()
  const shown = state<{ id: number; text: string; kind: string }[]>([])
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let lastId = 0
  session.onClose(() => {
    for (const timer of timers) clearTimeout(timer)
  })
  const dismiss = (id: number) => shown.update((list) => list.filter((toast) => toast.id !== id))
  const view = component(
    () =>
      html`<div class="taupy-toasts" role="status" aria-live="polite">${shown.get().map(
        (toast) => html`<div${attributes({ class: `taupy-toast taupy-toast-${toast.kind}` })}><span>${toast.text}</span><button type="button" class="taupy-button taupy-plain" aria-label="Dismiss"${on('click', () => dismiss(toast.id))}>×</button></div>`,
      )}</div>`,
  )
  return {
    view,
    show(text, options = {}) {
      const id = ++lastId
      shown.update((list) => [...list, { id, text, kind: options.kind ?? 'info' }])
      const timer = setTimeout(() => {
        timers.delete(timer)
        dismiss(id)
      }, options.ms ?? 4000)
      timers.add(timer)
    },
  }
}

export interface TableColumn {
  key: string
  label: Content
  /** Header is a button that sorts by this column (default true). */
  sortable?: boolean
}

export interface SortableTableOptions extends CommonOptions {
  /** The table's accessible name (its <caption>). */
  caption: Content
  columns: readonly TableColumn[]
  rows: readonly Record<string, string | number>[]
  sortBy?: string
  descending?: boolean
  /** A header was pressed: sort by `key` (pressing the sorted column again flips the order). */
  onSort: (key: string, descending: boolean) => MaybePromise
}

export function sortableTable(options: SortableTableOptions): Html {
  const { sortBy, descending = false } = options
  const rows = [...options.rows]
  if (sortBy !== undefined) {
    rows.sort((a, b) => {
      const x = a[sortBy] ?? ''
      const y = b[sortBy] ?? ''
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))
      return descending ? -order : order
    })
  }
  const head = options.columns.map((column) => {
    const sorted = column.key === sortBy
    const ariaSort = sorted ? (descending ? 'descending' : 'ascending') : column.sortable === false ? undefined : 'none'
    const label =
      column.sortable === false
        ? column.label
        : html`<button type="button" class="taupy-sort"${on('click', () => options.onSort(column.key, sorted ? !descending : false))}>${column.label}<span aria-hidden="true">${sorted ? (descending ? ' ▼' : ' ▲') : ''}</span></button>`
    return html`<th${attributes({ scope: 'col', 'aria-sort': ariaSort })}>${label}</th>`
  })
  const body = rows.map((row) => html`<tr>${options.columns.map((column) => html`<td>${row[column.key]}</td>`)}</tr>`)
  return html`<table${attributes({ id: options.id, class: withClass('taupy-table', options.class) })}${options.hook}><caption>${options.caption}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`
}
