import { useEffect, useState, type FormEvent } from 'react'
import { limits } from '../../shared/constants.ts'
import { backend, useBackendState } from '../backend.ts'
import { CallErrorText } from './CallErrorText.tsx'
import { useCallError } from './useCallError.ts'

export function WindowTitle() {
  const title = useBackendState('title')
  const [draft, setDraft] = useState('')
  const [error, run] = useCallError()
  // The backend sets the native window's title; in a browser tab, the page follows the state.
  useEffect(() => {
    if (title) document.title = title
  }, [title])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (draft.trim()) void run(backend.attempt('setTitle', draft.trim()))
  }
  return (
    <section className="card">
      <h2>Window title</h2>
      <p>
        Now: <output data-testid="title">{title ?? '…'}</output>
      </p>
      <form onSubmit={submit} className="row">
        <input aria-label="New window title" maxLength={limits.title} value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit">Set title</button>
      </form>
      <CallErrorText error={error} />
    </section>
  )
}
