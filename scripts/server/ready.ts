// The one line a backend prints when it can be reached: the launcher, the dev supervisor and
// tests wait for it. Its shape is part of the IPC protocol (docs/ipc.md); it is framed with the
// launcher's token like every protocol line (scripts/ipc/framing.ts).
import { frameLine, takeIpcToken } from '../ipc/framing.js'

export interface ReadyMessage {
  type: 'ready'
  url: string
  /** A one-time URL for a system browser: spent on first use, so a command line may hold it. */
  openUrl?: string
  /** The running app's version (package.json's, baked in by `taupy build`). */
  version: string
}

export function announceReady(url: string, openUrl?: string): void {
  const version = process.env.TAUPY_BUILT_VERSION ?? '0.0.0'
  const message: ReadyMessage = openUrl ? { type: 'ready', url, openUrl, version } : { type: 'ready', url, version }
  process.stdout.write(frameLine(JSON.stringify(message), takeIpcToken()))
}
