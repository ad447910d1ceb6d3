// The dev supervisor's hold on the app's port. Every restart of the backend used to free the
// port and bind it again, and a port that is free for a moment can be taken by any local user,
// who would then receive the page's requests (its /ws carries the secret). So the supervisor
// binds the port once, for the whole session, and forwards each connection, byte for byte, to
// whichever backend runs now. Each backend listens on its own Unix socket in a folder only this
// user can open (a named pipe with an unguessable name on Windows): nobody else can bind it.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface FrontDoor {
  port: number
  /** A fresh private socket path for the next backend. */
  nextPath(): string
  /** Where connections go; undefined while no backend is up (they are closed: the page retries). */
  target: string | undefined
  close(): Promise<void>
}

export async function openFrontDoor(): Promise<FrontDoor> {
  // mkdtemp creates the folder with mode 0700.
  const dir = process.platform === 'win32' ? undefined : mkdtempSync(join(tmpdir(), 'taupy-dev-'))
  const pipePrefix = `\\\\.\\pipe\\taupy-dev-${randomBytes(16).toString('hex')}`
  let count = 0
  const open = new Set<Socket>()
  const door: FrontDoor = {
    port: 0,
    target: undefined,
    nextPath: () => (dir ? join(dir, `backend-${++count}.sock`) : `${pipePrefix}-${++count}`),
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
        if (dir) rmSync(dir, { recursive: true, force: true })
      }),
  }
  const server = createServer((client) => {
    if (!door.target) return void client.destroy()
    const upstream = connect(door.target)
    open.add(client)
    const end = (): void => {
      open.delete(client)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('the dev port is not a TCP port')
  door.port = address.port
  return door
}
