// The built-in widgets: functions that return escaped markup with their event attributes. A
// widget that takes a handler must be called while a component renders (that component owns
// the handler). Styling comes from styles.ts through the `taupy-*` classes.
import { handlerId, on } from './component.js'
import { activeSession } from './context.js'
import { attributes, bindingAttribute, html, type AttributeValue, type Content, type Html } from './html.js'

type MaybePromise = void | Promise<void>

export interface CommonOptions {
  class?: string
  id?: string
  /** A client hook on the widget's element: `hook: hook('autosize')` (see hook()). */
  hook?: Html
}

/** How often a field's input events go to the server (see docs/widgets.md, "Debounce"). */
export interface RateOptions {
  /** Send input events only after this many ms without typing, or 'blur': when the field loses focus. */
  debounce?: number | 'blur'
  /** Send at most one input event per this many ms (the latest text, also at the end). */
  throttle?: number
}

const rate = (options: RateOptions): Record<string, AttributeValue> => ({
  'data-taupy-debounce': options.debounce,
  'data-taupy-throttle': options.throttle,
})

export function text(content: Content, options: CommonOptions = {}): Html {
  const { hook, ...rest } = options
  return html`<span${attributes(rest)}${hook}>${content}</span>`
}

export function heading(content: Content, level: 1 | 2 | 3 | 4 | 5 | 6 = 2, options: CommonOptions = {}): Html {
  const { hook, ...rest } = options
  const attrs = html`${attributes(rest)}${hook}`
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
  /** While the click is being handled: disabled, showing this label (e.g. 'Saving…'). */
  disableWith?: string
}

export function button(label: Content, onClick?: () => MaybePromise, options: ButtonOptions = {}): Html {
  const { variant = 'secondary', type = 'button', class: extra, hook, disableWith, ...rest } = options
  const click = onClick ? on('click', () => onClick()) : ''
  return html`<button${attributes({ ...rest, type, 'data-taupy-disable-with': disableWith, class: `taupy-button taupy-${variant}${extra ? ' ' + extra : ''}` })}${click}${hook}>${label}</button>`
}

export interface FieldOptions extends CommonOptions {
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
  const attrs = attributes({
    id: options.id,
    class: options.class,
    name: options.name,
    disabled: options.disabled,
    'aria-invalid': options.error ? 'true' : undefined,
    ...extra,
  })
  return options.hook ? html`${attrs}${options.hook}` : attrs
}

export interface TextInputOptions extends FieldOptions, RateOptions {
  /** Without a value the field is the user's: re-renders never change what they typed. */
  value?: string
  placeholder?: string
  type?: 'text' | 'email' | 'password' | 'search' | 'tel' | 'url' | 'number'
  /** For type 'number'. */
  min?: number
  max?: number
  step?: number
  autofocus?: boolean
  /** Every keystroke, with the current text. */
  onInput?: (value: string) => MaybePromise
  /** When the user commits the text (blur or Enter). */
  onChange?: (value: string) => MaybePromise
  /** Enter pressed, with the current text. */
  onEnter?: (value: string) => MaybePromise
}

export function textInput(options: TextInputOptions = {}): Html {
  const { onEnter } = options
  const { handlers, echo } = textHandlers(options, onEnter)
  const control = html`<input${controlAttributes(options, {
    type: options.type ?? 'text',
    value: echo ? undefined : options.value,
    'data-keep-value': options.value === undefined || echo,
    placeholder: options.placeholder,
    autofocus: options.autofocus,
    min: options.min,
    max: options.max,
    step: options.step,
    class: `taupy-input${options.class ? ' ' + options.class : ''}`,
    'data-keys': onEnter ? 'Enter' : undefined,
    ...rate(options),
  })}${handlers}>`
  return field(control, options)
}

/**
 * A text field's handlers, and whether the browser already shows its bound value: then the
 * value is left out and the browser keeps its own (`data-keep-value`), so a field bound with
 * value + onInput does not send the whole text back on every keystroke (a 23 kB note).
 */
function textHandlers(options: { value?: string | undefined; onInput?: ((value: string) => MaybePromise) | undefined; onChange?: ((value: string) => MaybePromise) | undefined }, onEnter?: (value: string) => MaybePromise): { handlers: Html; echo: boolean } {
  const { onInput, onChange } = options
  const ids: string[] = []
  const bind = (event: 'input' | 'change' | 'keydown', handler: ((value: string) => MaybePromise) | undefined): Html | '' => {
    if (!handler) return ''
    const id = handlerId(event, (e) => handler(e.value ?? ''))
    ids.push(id)
    return bindingAttribute(`data-on-${event}`, id)
  }
  const handlers = html`${bind('input', onInput)}${bind('change', onChange)}${bind('keydown', onEnter)}`
  const echo = options.value !== undefined && ids.length > 0 && activeSession().fieldShows(ids, options.value)
  return { handlers, echo }
}

export interface TextareaOptions extends FieldOptions, RateOptions {
  /** Without a value the text is the user's: re-renders never send it back (cheap for long text). */
  value?: string
  placeholder?: string
  rows?: number
  onInput?: (value: string) => MaybePromise
  /** When the field loses focus with changed text. */
  onChange?: (value: string) => MaybePromise
}

export function textarea(options: TextareaOptions = {}): Html {
  const { handlers, echo } = textHandlers(options)
  const control = html`<textarea${controlAttributes(options, {
    placeholder: options.placeholder,
    rows: options.rows ?? 3,
    'data-keep-value': options.value === undefined || echo,
    ...rate(options),
    class: `taupy-input${options.class ? ' ' + options.class : ''}`,
  })}${handlers}>${echo ? '' : (options.value ?? '')}</textarea>`
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
  const input = html`<input${attributes({ type: 'checkbox', id: options.id, name: options.name, checked: options.checked })}${options.hook}${
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
  const { hook, ...rest } = options
  return html`<img${attributes({ ...rest, class: `taupy-image${rest.class ? ' ' + rest.class : ''}` })}${hook}>`
}

export interface FormOptions extends CommonOptions {
  /** The named fields of the form, as strings (several values of one name: one per line). */
  onSubmit: (fields: Record<string, string>) => MaybePromise
}

/** A second submit while the first is being handled is dropped; give the submit button `disableWith`. */
export function form(options: FormOptions, ...children: Content[]): Html {
  const { onSubmit, hook, ...rest } = options
  return html`<form${attributes({ ...rest, class: `taupy-form${rest.class ? ' ' + rest.class : ''}`, novalidate: true })}${on('submit', (e) => onSubmit(e.form ?? {}))}${hook}>${children}</form>`
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

export interface IgnoreOptions extends CommonOptions {
  /** Required: it is how a patch finds the region again. */
  id: string
  /** `data-*` attributes: the only part patches still update (the hook's `updated` reads them). */
  data?: Record<string, string | number>
}

/**
 * A region the server renders once and patches then leave alone (its children; its attributes
 * are still updated): the place for
 * a chart, a map or an editor that a client hook builds (`hook: hook('chart')`).
 */
export function ignore(options: IgnoreOptions, ...children: Content[]): Html {
  const { hook, data = {}, ...rest } = options
  const dataAttributes = Object.fromEntries(Object.entries(data).map(([name, value]) => [`data-${name}`, value]))
  return html`<div${attributes({ ...rest, ...dataAttributes, 'data-taupy-ignore': true })}${hook}>${children}</div>`
}
