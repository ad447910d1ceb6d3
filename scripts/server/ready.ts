// The one line a backend prints when it can be reached: the launcher, the dev supervisor and
// tests wait for it. Its shape is part of the IPC protocol (docs/ipc.md).
export interface ReadyMessage {
  type: 'ready'
  url: string
}

export function announceReady(url: string): void {
  const message: ReadyMessage = { type: 'ready', url }
  process.stdout.write(JSON.stringify(message) + '\n')
}
