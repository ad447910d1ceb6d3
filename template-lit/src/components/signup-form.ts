import { LitElement, css, html } from 'lit'
import { customElement, state } from 'lit/decorators.js'
import type { SignUp, SignUpErrors } from '../../shared/api.ts'
import { checkSignUp } from '../../shared/signup.ts'
import { backend } from '../backend.ts'
import { CallErrors } from '../call-error.ts'
import { cardStyles } from '../styles.ts'

const fields: { name: keyof SignUp; label: string; type: string }[] = [
  { name: 'name', label: 'Name', type: 'text' },
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'age', label: 'Age', type: 'text' },
]
const empty: SignUp = { name: '', email: '', age: '' }

@customElement('signup-form')
export class SignupForm extends LitElement {
  @state() private form: SignUp = empty
  @state() private touched = false
  @state() private serverErrors: SignUpErrors = {}
  @state() private greeting: string | undefined
  private errors = new CallErrors(this)

  private async submit(event: SubmitEvent) {
    event.preventDefault()
    this.touched = true
    // The backend checks again and has the last word; its errors show under the fields too.
    const outcome = await this.errors.run(backend.attempt('signUp', this.form))
    if (!outcome.ok) return
    const reply = outcome.value
    if (reply.ok) {
      this.greeting = reply.greeting
      this.form = empty
      this.touched = false
      this.serverErrors = {}
    } else {
      this.greeting = undefined
      this.serverErrors = reply.errors
    }
  }

  render() {
    const errors: SignUpErrors = this.touched ? { ...checkSignUp(this.form), ...this.serverErrors } : {}
    return html`
      <h2>Sign up</h2>
      <form novalidate @submit=${this.submit}>
        ${fields.map(
          (field) => html`
            <label>
              ${field.label}
              <input
                name=${field.name}
                type=${field.type}
                .value=${this.form[field.name]}
                aria-invalid=${errors[field.name] ? 'true' : 'false'}
                @input=${(event: InputEvent) => {
                  this.form = { ...this.form, [field.name]: (event.target as HTMLInputElement).value }
                  this.serverErrors = {}
                }}
              />
              ${errors[field.name] ? html`<small class="field-error">${errors[field.name]}</small>` : null}
            </label>
          `,
        )}
        <button type="submit">Sign up</button>
      </form>
      ${this.greeting ? html`<p role="status">${this.greeting}</p>` : null}
      ${this.errors.render()}
    `
  }

  static styles = [
    cardStyles,
    css`
      form,
      label {
        display: grid;
        gap: 8px;
      }
      label {
        gap: 2px;
      }
    `,
  ]
}
