// The one line a backend prints when it can be reached: the launcher, the dev supervisor and
// tests wait for it. Its shape is part of the IPC protocol (docs/ipc.md); it is framed with the
// launcher's token like every protocol line (scripts/ipc/framing.ts).
import { frameLine, takeIpcToken } from '../ipc/framing.js'

export interface ReadyMessage {
  type: 'ready'
  url: string
  /** The running app's version (package.json's, baked in by `taupy build`). */
  version: string
}

export function announceReady(url: string): void {
  const message: ReadyMessage = { type: 'ready', url, version: process.env.TAUPY_BUILT_VERSION ?? '0.0.0' }
  process.stdout.write(frameLine(JSON.stringify(message), takeIpcToken()))
}
