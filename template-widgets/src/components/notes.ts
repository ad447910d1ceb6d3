// A long note in the simple pattern (value + onInput): the server does not send the text back
// when the browser already shows it, so a keystroke in a 23 kB note costs a small patch. The
// clock shows onCleanup: the timer a component starts ends when its window is gone.
import { card, component, heading, html, onCleanup, state, textarea } from '../../taupy/widgets/index.js'
import { note, setNote } from '../notes.js'

export function notes() {
  const now = state(new Date())
  const timer = setInterval(() => now.set(new Date()), 1000)
  onCleanup(() => clearInterval(timer))
  return component(() =>
    html`<section id="notes">${card(
      heading('Notes', 2),
      textarea({ id: 'note', label: 'Your note (saved on its own, and when the app stops)', rows: 6, value: note.get(), onInput: setNote }),
      html`<p class="note-status">${note.get().length} characters · <time>${now.get().toISOString().slice(11, 19)}</time> UTC</p>`,
    )}</section>`,
  )
}
