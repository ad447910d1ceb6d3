import { LitElement, css, html } from 'lit'
import { customElement } from 'lit/decorators.js'
import '../components/fail-button.ts'
import '../components/signup-form.ts'
import '../components/taupy-counter.ts'
import '../components/todo-list.ts'
import '../components/window-title.ts'

@customElement('home-page')
export class HomePage extends LitElement {
  render() {
    return html`
      <h1>Taupy + Lit</h1>
      <div class="cards">
        <taupy-counter></taupy-counter>
        <todo-list></todo-list>
        <signup-form></signup-form>
        <window-title></window-title>
        <fail-button></fail-button>
      </div>
    `
  }

  static styles = css`
    h1 {
      font-size: 40px;
      font-weight: 500;
      margin: 24px 0;
    }
    .cards {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
      gap: 16px;
      align-items: start;
    }
  `
}
