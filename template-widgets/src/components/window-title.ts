// Sets the native window's title from the UI, through the launcher IPC (a no-op with a
// warning when the app runs in a plain browser; test/app.test.ts checks it with a stand-in window).
import { win } from '../../taupy/ipc/index.js'
import { button, card, component, heading, row, state, textInput } from '../../taupy/widgets/index.js'

export function windowTitle() {
  const title = state(process.env.TAUPY_APP_NAME ?? 'Taupy App')
  const applied = state('')
  const apply = async (): Promise<void> => {
    await win.setTitle(title.peek())
    applied.set(title.peek())
  }
  return component(() =>
    card(
      heading('Window title', 2),
      row(
        textInput({ value: title.get(), class: 'title-input', onInput: (text) => title.set(text), onEnter: apply }),
        button('Set title', apply, { class: 'set-title' }),
      ),
      applied.get() ? row(`Title set to “${applied.get()}”.`) : '',
    ),
  )
}
