import { connectChannel } from '../taupy/client/socket.js'

const status = document.querySelector<HTMLOutputElement>('#status')!
connectChannel({
  onState: (state) => (status.value = state === 'open' ? 'connected' : state),
  onMessage: () => {},
})
