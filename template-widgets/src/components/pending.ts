// Pending states: while the server works on a click or a submit, the button is disabled and
// says so (disableWith), and a second click or submit is not sent.
import { button, card, component, form, heading, html, state, textarea } from '../../taupy/widgets/index.js'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function pending() {
  const saves = state(0)
  const messages = state<string[]>([])
  return component(() =>
    html`<section id="pending">${card(
      heading('Pending states', 2),
      html`<p>${button(
        'Save',
        async () => {
          await pause(400)
          saves.update((n) => n + 1)
        },
        { id: 'save', variant: 'primary', disableWith: 'Saving…' },
      )} <span class="saves">Saved ${saves.get()} times</span></p>`,
      form(
        {
          id: 'feedback',
          onSubmit: async (fields) => {
            await pause(400)
            messages.update((list) => [...list, fields.message ?? ''])
          },
        },
        textarea({ name: 'message', label: 'Feedback', rows: 2, debounce: 'blur' }),
        button('Send', undefined, { type: 'submit', disableWith: 'Sending…' }),
      ),
      html`<p class="sent">${messages.get().length} sent</p>`,
    )}</section>`,
  )
}
