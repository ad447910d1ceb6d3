import { backend, useBackendState } from '../backend.ts'
import { CallErrorText } from './CallErrorText.tsx'
import { useCallError } from './useCallError.ts'

export function Counter() {
  const count = useBackendState('counter')
  const [error, run] = useCallError()
  return (
    <section className="card">
      <h2>Counter</h2>
      <output data-testid="count" className="count">
        {count ?? '…'}
      </output>
      <div className="row">
        <button onClick={() => run(backend.attempt('increment', -1))}>Decrement</button>
        <button onClick={() => run(backend.attempt('increment', 1))}>Increment</button>
        <button onClick={() => run(backend.attempt('resetCounter'))}>Reset</button>
      </div>
      <CallErrorText error={error} />
    </section>
  )
}
