// What `taupy dev` (scripts/cli/dev.ts) tells Vite: it starts the backend on TAUPY_BACKEND_PORT
// with TAUPY_SECRET (accepting the Vite origin through TAUPY_DEV_ORIGINS / TAUPY_DEV_HOSTS) and
// Vite with `--host 127.0.0.1 --port N --strictPort`; the window opens Vite with the secret.
export interface DevBackend {
  backendPort: number
  secret: string
  /** The one-time code of the URL `taupy dev --browser` opens (TAUPY_ONE_TIME). */
  oneTime?: string
}

export const loopback = '127.0.0.1'

/** Undefined when Vite was not started by `taupy dev`. */
export function readDevBackend(env: NodeJS.ProcessEnv = process.env): DevBackend | undefined {
  const backendPort = Number(env.TAUPY_BACKEND_PORT)
  const secret = env.TAUPY_SECRET
  if (!secret || !Number.isInteger(backendPort) || backendPort <= 0) return undefined
  return { backendPort, secret, oneTime: env.TAUPY_ONE_TIME || undefined }
}
