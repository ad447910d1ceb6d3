import { backend } from '../backend.ts'
import { CallErrorText } from './CallErrorText.tsx'
import { useCallError } from './useCallError.ts'

export function FailButton() {
  const [error, run] = useCallError()
  return (
    <section className="card">
      <h2>Errors</h2>
      <p>A call whose handler throws fails here with the server's message (code <code>handler_failed</code>).</p>
      <button onClick={() => run(backend.attempt('failOnPurpose'))}>Call a failing function</button>
      <CallErrorText error={error} />
    </section>
  )
}
