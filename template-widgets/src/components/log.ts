// A stream: the log's lines are sent once and not kept on the server (only a count), so a
// long-running log costs the backend nothing per line; the browser keeps the newest 500.
import { button, card, component, heading, html, row, state, stream } from '../../taupy/widgets/index.js'

interface Line {
  n: number
  text: string
}

export function activityLog() {
  const total = state(0)
  const lines = stream<Line>({ id: 'log', tag: 'ol', class: 'log', limit: 500, key: (line) => line.n, row: (line) => html`<li>${line.text}</li>` })
  const add = (count: number) => {
    const first = total.peek() + 1
    for (let n = first; n < first + count; n++) lines.append({ n, text: `Line ${n}` })
    total.set(first + count - 1)
  }
  return component(() =>
    html`<section id="activity">${card(
      heading(html`Stream <small class="total">${total.get()} lines sent</small>`, 2),
      row(
        button('Add 1,000 lines', () => add(1000), { id: 'log-add' }),
        button('Edit the newest', () => lines.update({ n: total.peek(), text: `Line ${total.peek()} (edited)` }), { id: 'log-edit' }),
        button('Delete the newest', () => lines.delete(total.peek()), { id: 'log-delete' }),
        button('Pin a note on top', () => lines.prepend({ n: 0, text: 'Pinned note' }), { id: 'log-pin' }),
        button('Clear', () => lines.reset(), { id: 'log-clear' }),
      ),
      lines,
    )}</section>`,
  )
}
