// The backend connection's state in words, for the app's header (the demo's and the blank app's).
import { useBackendConnection } from './backend.ts'

const connectionText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'closed' }

export function ConnectionStatus() {
  const connection = useBackendConnection()
  return (
    <p>
      Backend: <output id="status">{connectionText[connection]}</output>
    </p>
  )
}
