import { useEffect, useState, type FormEvent } from 'react'
import { limits } from '../../shared/constants.ts'
import { backend, useBackendState } from '../backend.ts'
import { navigate, routes } from '../router.ts'
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
  // About in a native window of its own; a browser tab has none to open, so there it shows here.
  const openAbout = async () => {
    const outcome = await backend.attempt('openAboutWindow')
    if (!outcome.ok && outcome.error.code === 'no_window') navigate(routes.about)
    else void run(Promise.resolve(outcome))
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
      <p>
        <button type="button" className="open-about" onClick={() => void openAbout()}>
          Open About in a new window
        </button>
      </p>
      <CallErrorText error={error} />
    </section>
  )
}
