// The one line a backend prints when it can be reached: the launcher, the dev supervisor and
// tests wait for it. Its shape is part of the IPC protocol (docs/ipc.md).
export interface ReadyMessage {
  type: 'ready'
  url: string
  /** A one-time URL for a system browser: spent on first use, so a command line may hold it. */
  openUrl?: string
}

export function announceReady(url: string, openUrl?: string): void {
  const message: ReadyMessage = openUrl ? { type: 'ready', url, openUrl } : { type: 'ready', url }
  process.stdout.write(JSON.stringify(message) + '\n')
}
