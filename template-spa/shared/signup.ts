// Form rules, run by the UI as the user types and again by the backend, which has the last word.
import type { SignUp, SignUpErrors } from './api.js'

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function checkSignUp(form: SignUp): SignUpErrors {
  const errors: SignUpErrors = {}
  if (form.name.trim().length < 2) errors.name = 'Enter at least 2 characters.'
  if (!emailPattern.test(form.email.trim())) errors.email = 'Enter an email address like ada@example.com.'
  const age = Number(form.age)
  if (!/^\d+$/.test(form.age.trim()) || age < 13 || age > 130) errors.age = 'Enter an age from 13 to 130.'
  return errors
}
