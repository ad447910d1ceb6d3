// A counter whose value belongs to this window: the state is created with the component. The
// time of its last change is rendered in UTC and shown in the viewer's local time by the
// `localTime` client hook (src/hooks/local-time.ts), which also reports the time zone back.
import { button, card, component, heading, hook, html, row, state } from '../../taupy/widgets/index.js'

export function counter() {
  const count = state(0)
  const changedAt = state(new Date())
  const timeZone = state('')
  const change = (by: number) => () => {
    count.update((n) => n + by)
    changedAt.set(new Date())
  }
  return component(() => {
    const at = changedAt.get().toISOString()
    return html`<section id="counter">${card(
      heading('Counter', 2),
      row(
        button('−', change(-1), { title: 'Decrement' }),
        html`<output class="count">${count.get()}</output>`,
        button('+', change(1), { variant: 'primary', title: 'Increment' }),
      ),
      html`<p class="changed">Last change at <time ${hook('localTime', { timeZone: (zone) => timeZone.set(zone ?? '') })} datetime="${at}">${at.slice(11, 19)} UTC</time>${
        timeZone.get() ? html` <small class="time-zone">(${timeZone.get()})</small>` : ''
      }</p>`,
    )}</section>`
  })
}
