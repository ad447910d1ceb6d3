// Client commands: the Help panel opens and closes in the browser alone (no message to the
// server), and stays as the user left it when the server re-renders the section.
import { button, card, component, heading, html, js, onClient, state } from '../../taupy/widgets/index.js'

export function clientCommands() {
  const clicks = state(0)
  return component(() =>
    html`<section id="commands">${card(
      heading('Client commands', 2),
      html`<p><button type="button" class="taupy-button taupy-secondary" id="help-toggle" aria-controls="help" ${onClient('click', js.toggle('#help').toggleClass('#help-toggle', 'taupy-primary').focus('#help-close'))}>Help</button> ${button(
        `Server clicks: ${clicks.get()}`,
        () => clicks.update((n) => n + 1),
        { id: 'server-click' },
      )}</p>`,
      html`<div id="help" role="note" hidden><p>The browser shows and hides this panel by itself; server patches leave it as you left it.</p><button type="button" class="taupy-button taupy-plain" id="help-close" ${onClient('click', js.hide('#help').focus('#help-toggle'))}>Close</button></div>`,
    )}</section>`,
  )
}
