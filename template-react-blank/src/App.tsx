// The app's one screen: replace it with yours. `useBackendState` re-renders when the backend
// changes a value of shared/api.ts; `backend.call` runs a call there (server/main.ts).
import './App.css'
import { ConnectionStatus } from './ConnectionStatus.tsx'
import { backend, useBackendState } from './backend.ts'

export default function App() {
  const count = useBackendState('counter')
  return (
    <>
      <header className="app-header">
        <h1>{document.title}</h1>
        <ConnectionStatus />
      </header>
      <main className="card">
        <button onClick={() => void backend.call('increment', 1)}>Count</button>
        <output data-testid="count">{count ?? '…'}</output>
        <p>
          Edit <code>src/App.tsx</code> and <code>server/main.ts</code>; the window follows.
        </p>
      </main>
    </>
  )
}
