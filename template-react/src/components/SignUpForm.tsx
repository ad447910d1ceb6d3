import { useState, type FormEvent } from 'react'
import type { SignUp, SignUpErrors } from '../../shared/api.ts'
import { checkSignUp } from '../../shared/signup.ts'
import { backend } from '../backend.ts'
import { CallErrorText } from './CallErrorText.tsx'
import { useCallError } from './useCallError.ts'

const fields: { name: keyof SignUp; label: string; type: string }[] = [
  { name: 'name', label: 'Name', type: 'text' },
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'age', label: 'Age', type: 'text' },
]

export function SignUpForm() {
  const [form, setForm] = useState<SignUp>({ name: '', email: '', age: '' })
  const [touched, setTouched] = useState(false)
  const [serverErrors, setServerErrors] = useState<SignUpErrors>({})
  const [greeting, setGreeting] = useState<string>()
  const [error, run] = useCallError()
  const errors = touched ? { ...checkSignUp(form), ...serverErrors } : {}

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setTouched(true)
    // The backend checks again and has the last word; its errors show under the fields too.
    const outcome = await run(backend.attempt('signUp', form))
    if (!outcome.ok) return
    const reply = outcome.value
    if (reply.ok) {
      setGreeting(reply.greeting)
      setForm({ name: '', email: '', age: '' })
      setTouched(false)
      setServerErrors({})
    } else {
      setGreeting(undefined)
      setServerErrors(reply.errors)
    }
  }
  return (
    <section className="card">
      <h2>Sign up</h2>
      <form onSubmit={submit} noValidate className="form">
        {fields.map((field) => (
          <label key={field.name}>
            {field.label}
            <input
              name={field.name}
              type={field.type}
              value={form[field.name]}
              aria-invalid={errors[field.name] ? true : undefined}
              onChange={(event) => {
                setForm({ ...form, [field.name]: event.target.value })
                setServerErrors({})
              }}
            />
            {errors[field.name] && <small className="field-error">{errors[field.name]}</small>}
          </label>
        ))}
        <button type="submit">Sign up</button>
      </form>
      {greeting && <p role="status">{greeting}</p>}
      <CallErrorText error={error} />
    </section>
  )
}
