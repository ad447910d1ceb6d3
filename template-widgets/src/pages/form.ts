// The second page: a form whose fields are checked on the server when it is submitted; each
// invalid field shows its message, and a valid one shows what was received.
import { button, card, checkbox, column, component, form, heading, html, select, slider, state, textarea, textInput } from '../../taupy/widgets/index.js'

interface Signup {
  name: string
  email: string
  plan: string
  notes: string
}

type Errors = Partial<Record<keyof Signup | 'terms', string>>

export function validate(fields: Record<string, string>): Errors {
  const errors: Errors = {}
  if (!fields.name?.trim()) errors.name = 'Please enter your name.'
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fields.email ?? '')) errors.email = 'Please enter a valid email address.'
  if (!['free', 'pro'].includes(fields.plan ?? '')) errors.plan = 'Please choose a plan.'
  if ((fields.notes ?? '').length > 500) errors.notes = 'Notes must be 500 characters or fewer.'
  if (fields.terms !== 'on') errors.terms = 'Please accept the terms.'
  return errors
}

export function formPage() {
  const errors = state<Errors>({})
  const saved = state<Signup | undefined>(undefined)
  const terms = state(false)
  const volume = state(50)

  return component(() => {
    const shown = errors.get()
    const result = saved.get()
    return column(
      heading('Sign up', 1),
      card(
        form(
          {
            id: 'signup',
            onSubmit: (fields) => {
              const found = validate(fields)
              errors.set(found)
              saved.set(Object.keys(found).length === 0 ? { name: fields.name!, email: fields.email!, plan: fields.plan!, notes: fields.notes ?? '' } : undefined)
            },
          },
          textInput({ name: 'name', label: 'Name', error: shown.name }),
          textInput({ name: 'email', type: 'email', label: 'Email', error: shown.email }),
          select({
            name: 'plan',
            label: 'Plan',
            options: [
              { value: '', label: 'Choose…' },
              { value: 'free', label: 'Free' },
              { value: 'pro', label: 'Pro' },
            ],
            error: shown.plan,
          }),
          textarea({ name: 'notes', label: 'Notes', rows: 3, error: shown.notes }),
          slider({ label: html`Volume <output class="volume">${volume.get()}</output>`, value: volume.get(), onInput: (value) => volume.set(value) }),
          html`<div class="terms">${checkbox({ name: 'terms', checked: terms.get(), label: 'I accept the terms', onChange: (checked) => terms.set(checked) })}${
            shown.terms ? html`<small class="taupy-error" role="alert">${shown.terms}</small>` : ''
          }</div>`,
          button('Sign up', undefined, { type: 'submit', variant: 'primary', disableWith: 'Signing up…' }),
        ),
      ),
      result ? html`<p class="saved" role="status">Thanks, ${result.name}! We will write to ${result.email} about the ${result.plan} plan.</p>` : '',
    )
  })
}
