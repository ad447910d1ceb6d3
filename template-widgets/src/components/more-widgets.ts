// The other built-in widgets, in tabs: an order form (radio group, multi-select, notes, number,
// range, date), a sortable table, and a modal dialog whose answer shows as a toast.
import {
  button, card, column, component, dateInput, heading, html, modal, multiSelect, numberInput, radioGroup, row, slider, sortableTable, state, tabs, textarea, toasts,
} from '../../taupy/widgets/index.js'

const planets = [
  { name: 'Mercury', moons: 0, au: 0.39 },
  { name: 'Venus', moons: 0, au: 0.72 },
  { name: 'Earth', moons: 1, au: 1 },
  { name: 'Mars', moons: 2, au: 1.52 },
  { name: 'Jupiter', moons: 95, au: 5.2 },
]

export function moreWidgets() {
  const tab = state('order')
  const size = state('m')
  const toppings = state<string[]>(['cheese'])
  const quantity = state(1)
  const spice = state(2)
  const date = state('')
  const notes = state('')
  const sort = state<{ key: string; descending: boolean }>({ key: 'name', descending: false })
  const confirming = state(false)
  const notices = toasts()

  const order = () =>
    column(
      radioGroup({ id: 'size', label: 'Size', name: 'size', options: [{ value: 's', label: 'Small' }, { value: 'm', label: 'Medium' }, { value: 'l', label: 'Large' }], value: size.get(), onChange: (value) => size.set(value) }),
      multiSelect({ id: 'toppings', label: 'Toppings', options: ['cheese', 'olives', 'basil', 'mushrooms'], values: toppings.get(), size: 4, onChange: (values) => toppings.set(values) }),
      row(
        numberInput({ id: 'quantity', label: 'Quantity', value: quantity.get(), min: 1, max: 20, onChange: (value) => quantity.set(Number.isNaN(value) ? 1 : value) }),
        slider({ id: 'spice', label: 'Spice', value: spice.get(), min: 0, max: 5, onChange: (value) => spice.set(value) }),
        dateInput({ id: 'date', label: 'Delivery date', value: date.get(), onChange: (value) => date.set(value) }),
      ),
      textarea({ id: 'notes', label: 'Notes for the kitchen', rows: 3, debounce: 'blur', onInput: (value) => notes.set(value) }),
      html`<p class="summary" role="status">${quantity.get()} × ${size.get().toUpperCase()} with ${toppings.get().join(', ') || 'nothing'}, spice ${spice.get()}${date.get() ? `, on ${date.get()}` : ''}${notes.get() ? ` (${notes.get().length} characters of notes)` : ''}</p>`,
      button('Cancel the order…', () => confirming.set(true), { id: 'cancel-order', variant: 'danger' }),
    )

  const table = () =>
    sortableTable({
      id: 'planets',
      caption: 'Planets',
      columns: [{ key: 'name', label: 'Name' }, { key: 'moons', label: 'Moons' }, { key: 'au', label: 'Distance (AU)' }],
      rows: planets,
      sortBy: sort.get().key,
      descending: sort.get().descending,
      onSort: (key, descending) => sort.set({ key, descending }),
    })

  return component(() =>
    html`<section id="more">${card(
      heading('More widgets', 2),
      tabs({ id: 'more-tabs', label: 'Examples', selected: tab.get(), onSelect: (id) => tab.set(id), tabs: [{ id: 'order', label: 'Order', content: order }, { id: 'table', label: 'Table', content: table }] }),
      confirming.get()
        ? modal(
            { id: 'confirm', title: 'Cancel the order?', onClose: () => confirming.set(false) },
            html`<p>The kitchen has not started yet.</p>`,
            row(
              button('Keep it', () => confirming.set(false), { id: 'keep-order' }),
              button('Yes, cancel', () => {
                confirming.set(false)
                notices.show('Order cancelled')
              }, { id: 'confirm-cancel', variant: 'danger' }),
            ),
          )
        : '',
      notices.view,
    )}</section>`,
  )
}
