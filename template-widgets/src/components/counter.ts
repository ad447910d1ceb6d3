// A counter whose value belongs to this window: the state is created with the component.
import { button, card, component, heading, html, row, state } from '../../taupy/widgets/index.js'

export function counter() {
  const count = state(0)
  return component(() =>
    html`<section id="counter">${card(
      heading('Counter', 2),
      row(
        button('−', () => count.update((n) => n - 1), { title: 'Decrement' }),
        html`<output class="count">${count.get()}</output>`,
        button('+', () => count.update((n) => n + 1), { variant: 'primary', title: 'Increment' }),
      ),
    )}</section>`,
  )
}
