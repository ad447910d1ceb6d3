// The built-in widgets: functions that return escaped markup with their event attributes. A
// widget that takes a handler must be called while a component renders (that component owns
// the handler). Styling comes from styles.ts through the `taupy-*` classes.
import { on } from './component.js'
import { attributes, html, type AttributeValue, type Content, type Html } from './html.js'

type MaybePromise = void | Promise<void>

export interface CommonOptions {
  class?: string
  id?: string
}

export function text(content: Content, options: CommonOptions = {}): Html {
  return html`<span${attributes({ ...options })}>${content}</span>`
}

export function heading(content: Content, level: 1 | 2 | 3 | 4 | 5 | 6 = 2, options: CommonOptions = {}): Html {
  const attrs = attributes({ ...options })
  switch (level) {
    case 1: return html`<h1${attrs}>${content}</h1>`
    case 2: return html`<h2${attrs}>${content}</h2>`
    case 3: return html`<h3${attrs}>${content}</h3>`
    case 4: return html`<h4${attrs}>${content}</h4>`
    case 5: return html`<h5${attrs}>${content}</h5>`
    case 6: return html`<h6${attrs}>${content}</h6>`
  }
}

export interface ButtonOptions extends CommonOptions {
  variant?: 'primary' | 'secondary' | 'danger' | 'plain'
  disabled?: boolean
  /** 'submit' inside a form(); otherwise a plain button. */
  type?: 'button' | 'submit'
  title?: string
}

export function button(label: Content, onClick?: () => MaybePromise, options: ButtonOptions = {}): Html {
  const { variant = 'secondary', type = 'button', class: extra, ...rest } = options
  const click = onClick ? on('click', () => onClick()) : ''
  return html`<button${attributes({ ...rest, type, class: `taupy-button taupy-${variant}${extra ? ' ' + extra : ''}` })}${click}>${label}</button>`
}

interface FieldOptions extends CommonOptions {
  label?: Content
  /** A validation message shown under the field; marks it invalid. */
  error?: string | undefined
  name?: string
  disabled?: boolean
}

/** Wraps a control with its label and validation message, when it has them. */
function field(control: Html, options: FieldOptions): Html {
  if (options.label === undefined && options.error === undefined) return control
  const error = options.error ? html`<small class="taupy-error" role="alert">${options.error}</small>` : ''
  return html`<label class="taupy-field"><span class="taupy-label">${options.label}</span>${control}${error}</label>`
}

function controlAttributes(options: FieldOptions, extra: Record<string, AttributeValue>): Html {
  return attributes({
    id: options.id,
    class: options.class,
    name: options.name,
    disabled: options.disabled,
    'aria-invalid': options.error ? 'true' : undefined,
    ...extra,
  })
}

export interface TextInputOptions extends FieldOptions {
  /** Without a value the field is the user's: re-renders never change what they typed. */
  value?: string
  placeholder?: string
  type?: 'text' | 'email' | 'password' | 'search' | 'tel' | 'url' | 'number'
  autofocus?: boolean
  /** Every keystroke, with the current text. */
  onInput?: (value: string) => MaybePromise
  /** When the user commits the text (blur or Enter). */
  onChange?: (value: string) => MaybePromise
  /** Enter pressed, with the current text. */
  onEnter?: (value: string) => MaybePromise
}

export function textInput(options: TextInputOptions = {}): Html {
  const { onInput, onChange, onEnter } = options
  const control = html`<input${controlAttributes(options, {
    type: options.type ?? 'text',
    value: options.value,
    'data-keep-value': options.value === undefined,
    placeholder: options.placeholder,
    autofocus: options.autofocus,
    class: `taupy-input${options.class ? ' ' + options.class : ''}`,
    'data-keys': onEnter ? 'Enter' : undefined,
  })}${onInput ? on('input', (e) => onInput(e.value ?? '')) : ''}${onChange ? on('change', (e) => onChange(e.value ?? '')) : ''}${
    onEnter ? on('keydown', (e) => onEnter(e.value ?? '')) : ''
  }>`
  return field(control, options)
}

export interface TextareaOptions extends FieldOptions {
  value?: string
  placeholder?: string
  rows?: number
  onInput?: (value: string) => MaybePromise
  onChange?: (value: string) => MaybePromise
}

export function textarea(options: TextareaOptions = {}): Html {
  const { onInput, onChange } = options
  const control = html`<textarea${controlAttributes(options, {
    placeholder: options.placeholder,
    rows: options.rows ?? 3,
    'data-keep-value': options.value === undefined,
    class: `taupy-input${options.class ? ' ' + options.class : ''}`,
  })}${onInput ? on('input', (e) => onInput(e.value ?? '')) : ''}${onChange ? on('change', (e) => onChange(e.value ?? '')) : ''}>${options.value ?? ''}</textarea>`
  return field(control, options)
}

export interface CheckboxOptions extends CommonOptions {
  checked: boolean
  label?: Content
  name?: string
  onChange?: (checked: boolean) => MaybePromise
}

export function checkbox(options: CheckboxOptions): Html {
  const { onChange } = options
  const input = html`<input${attributes({ type: 'checkbox', id: options.id, name: options.name, checked: options.checked })}${
    onChange ? on('change', (e) => onChange(e.checked ?? false)) : ''
  }>`
  return html`<label${attributes({ class: `taupy-checkbox${options.class ? ' ' + options.class : ''}` })}>${input}${options.label === undefined ? '' : html` <span>${options.label}</span>`}</label>`
}

export type SelectOption = string | { value: string; label: string }

export interface SelectOptions extends FieldOptions {
  options: readonly SelectOption[]
  value?: string
  onChange?: (value: string) => MaybePromise
}

export function select(options: SelectOptions): Html {
  const { onChange } = options
  const items = options.options.map((option) => {
    const { value, label } = typeof option === 'string' ? { value: option, label: option } : option
    return html`<option${attributes({ value, selected: value === options.value })}>${label}</option>`
  })
  const control = html`<select${controlAttributes(options, {
    class: `taupy-input${options.class ? ' ' + options.class : ''}`,
    'data-keep-value': options.value === undefined,
  })}${
    onChange ? on('change', (e) => onChange(e.value ?? '')) : ''
  }>${items}</select>`
  return field(control, options)
}

export interface SliderOptions extends FieldOptions {
  value: number
  min?: number
  max?: number
  step?: number
  /** While dragging. */
  onInput?: (value: number) => MaybePromise
  /** When released. */
  onChange?: (value: number) => MaybePromise
}

export function slider(options: SliderOptions): Html {
  const { onInput, onChange } = options
  const control = html`<input${controlAttributes(options, {
    type: 'range',
    min: options.min ?? 0,
    max: options.max ?? 100,
    step: options.step ?? 1,
    value: options.value,
    class: `taupy-slider${options.class ? ' ' + options.class : ''}`,
  })}${onInput ? on('input', (e) => onInput(Number(e.value))) : ''}${onChange ? on('change', (e) => onChange(Number(e.value))) : ''}>`
  return field(control, options)
}

export interface ImageOptions extends CommonOptions {
  src: string
  alt: string
  width?: number
  height?: number
}

export function image(options: ImageOptions): Html {
  return html`<img${attributes({ ...options, class: `taupy-image${options.class ? ' ' + options.class : ''}` })}>`
}

export interface FormOptions extends CommonOptions {
  /** The named fields of the form, as strings. */
  onSubmit: (fields: Record<string, string>) => MaybePromise
}

export function form(options: FormOptions, ...children: Content[]): Html {
  const { onSubmit, ...rest } = options
  return html`<form${attributes({ ...rest, class: `taupy-form${rest.class ? ' ' + rest.class : ''}`, novalidate: true })}${on('submit', (e) => onSubmit(e.form ?? {}))}>${children}</form>`
}

function box(kind: string) {
  return (...children: Content[]): Html => html`<div class="taupy-${kind}">${children}</div>`
}

/** Children side by side. */
export const row = box('row')
/** Children stacked. */
export const column = box('column')
/** A framed group. */
export const card = box('card')
