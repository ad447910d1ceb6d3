import { backend } from '../backend.ts'
import { useCallError } from './useCallError.ts'

export function FailButton() {
  const [error, run] = useCallError()
  return (
    <section className="card">
      <h2>Errors</h2>
      <p>A call whose handler throws rejects here with the server's message.</p>
      <button onClick={() => run(backend.call('failOnPurpose'))}>Call a failing function</button>
      {error && <p role="alert">{error}</p>}
    </section>
  )
}
