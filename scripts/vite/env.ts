// The contract between `taupy dev` (or any supervisor) and the Vite plugin: both processes get
// the same environment. The backend listens on TAUPY_PORT with TAUPY_SECRET and accepts the Vite
// origin (TAUPY_DEV_ORIGINS); Vite listens on TAUPY_VITE_PORT, requires the same secret and
// proxies /ws to the backend. The window opens `devUrl`.
export interface DevPorts {
  backendPort: number
  vitePort: number
  secret: string
}

export const loopback = '127.0.0.1'

export function devEnvironment(ports: DevPorts): Record<string, string> {
  return {
    TAUPY_PORT: String(ports.backendPort),
    TAUPY_SECRET: ports.secret,
    TAUPY_VITE_PORT: String(ports.vitePort),
    TAUPY_DEV_ORIGINS: `http://${loopback}:${ports.vitePort}`,
  }
}

export function devUrl(ports: DevPorts): string {
  return `http://${loopback}:${ports.vitePort}/?taupy=${ports.secret}`
}

/** Reads the contract back; undefined when the dev server was not started by a supervisor. */
export function readDevEnvironment(env: NodeJS.ProcessEnv = process.env): DevPorts | undefined {
  const backendPort = Number(env.TAUPY_PORT)
  const vitePort = Number(env.TAUPY_VITE_PORT)
  const secret = env.TAUPY_SECRET
  if (!secret || !Number.isInteger(backendPort) || backendPort <= 0 || !Number.isInteger(vitePort) || vitePort <= 0) return undefined
  return { backendPort, vitePort, secret }
}
