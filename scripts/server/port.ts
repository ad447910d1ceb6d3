// A stable origin per app: the page's origin is http://127.0.0.1:<port>, and web storage
// (localStorage, IndexedDB) belongs to an origin, so an app that lands on a new port every
// launch loses what its page kept. The launcher gives the backend the app's id
// (TAUPY_APP_ID); its preferred port is a hash of the id into a range below the OS's
// ephemeral ports. When that port is busy the backend takes an ephemeral one (storage then
// starts empty for that run). docs/security.md explains why storage stays per app anyway.
import { createServer } from 'node:net'

export const preferredPortRange = { first: 20000, count: 12000 }

/** FNV-1a of the id, into 20000–31999. */
export function preferredPort(appId: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(appId, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return preferredPortRange.first + (hash % preferredPortRange.count)
}

/** Whether 127.0.0.1:port can be listened on right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)))
  })
}

/** The app's preferred port when it has an id and the port is free; else 0 (ephemeral). */
export async function appPort(appId = process.env.TAUPY_APP_ID): Promise<number> {
  if (!appId) return 0
  const port = preferredPort(appId)
  return (await portIsFree(port)) ? port : 0
}
