import { LitElement, html, type PropertyValues } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import { limits } from '../../shared/constants.ts'
import { backend, backendState } from '../backend.ts'
import { CallErrors } from '../call-error.ts'
import { navigate, routes } from '../router.ts'
import { cardStyles } from '../styles.ts'

@customElement('window-title')
export class WindowTitle extends LitElement {
  private windowTitle = backendState(this, 'title')
  private errors = new CallErrors(this)
  @state() private draft = ''

  private submit(event: SubmitEvent) {
    event.preventDefault()
    if (this.draft.trim()) void this.errors.run(backend.attempt('setTitle', this.draft.trim()))
  }

  // About in a native window of its own; a browser tab has none to open, so there it shows here.
  private async openAbout() {
    const outcome = await backend.attempt('openAboutWindow')
    if (!outcome.ok && outcome.error.code === 'no_window') navigate(routes.about)
    else void this.errors.run(Promise.resolve(outcome))
  }

  // The backend sets the native window's title; in a browser tab, the page follows the state.
  protected updated(changed: PropertyValues): void {
    super.updated(changed)
    if (this.windowTitle.value) document.title = this.windowTitle.value
  }

  render() {
    return html`
      <h2>Window title</h2>
      <p>Now: <output data-testid="title">${this.windowTitle.value ?? '…'}</output></p>
      <form class="row" @submit=${this.submit}>
        <input
          aria-label="New window title"
          maxlength=${limits.title}
          .value=${this.draft}
          @input=${(event: InputEvent) => (this.draft = (event.target as HTMLInputElement).value)}
        />
        <button type="submit">Set title</button>
      </form>
      <p><button type="button" class="open-about" @click=${this.openAbout}>Open About in a new window</button></p>
      ${this.errors.render()}
    `
  }

  static styles = cardStyles
}
