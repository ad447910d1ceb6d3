// Typing that is never lost: a field whose server handler rewrites what is typed (upper case),
// and a search that waits for a pause in typing (debounce) before it asks the server.
import { card, component, heading, html, state, textInput } from '../../taupy/widgets/index.js'

const fruits = ['apple', 'apricot', 'banana', 'blackberry', 'cherry', 'grape', 'lemon', 'lime', 'mango', 'melon', 'orange', 'peach', 'pear', 'plum']

export function typing() {
  const code = state('')
  const query = state('')
  const searches = state(0)
  return component(() => {
    const found = fruits.filter((fruit) => fruit.includes(query.get().toLowerCase()))
    return html`<section id="typing">${card(
      heading('Typing', 2),
      textInput({ id: 'code', label: 'Voucher code (the server writes it in capitals)', value: code.get(), onInput: (value) => code.set(value.toUpperCase()) }),
      textInput({
        id: 'search',
        label: 'Search fruits (asks the server 300 ms after you stop typing)',
        type: 'search',
        debounce: 300,
        onInput: (value) => {
          query.set(value)
          searches.update((n) => n + 1)
        },
      }),
      html`<p class="found">${found.length} found: ${found.join(', ')} <small class="searches">(${searches.get()} searches)</small></p>`,
    )}</section>`
  })
}
