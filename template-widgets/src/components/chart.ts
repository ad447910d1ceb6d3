// A region the server leaves alone: the sparkline hook (src/hooks/sparkline.ts) draws its own
// SVG inside ignore(); the server only updates the data-points attribute it reads.
import { button, card, component, heading, hook, html, ignore, state } from '../../taupy/widgets/index.js'

export function chart() {
  const points = state<number[]>([3, 5, 2, 6])
  return component(() =>
    html`<section id="chart">${card(
      heading('Chart (client-drawn)', 2),
      ignore({ id: 'sparkline', class: 'sparkline', hook: hook('sparkline'), data: { points: points.get().join(',') } }),
      html`<p>${button('Add point', () => points.update((list) => [...list.slice(-29), Math.round(Math.random() * 9) + 1]), { id: 'add-point' })} <span class="point-count">${points.get().length} points</span></p>`,
    )}</section>`,
  )
}
