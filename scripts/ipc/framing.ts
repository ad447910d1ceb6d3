// Framing of the launcher pipe (docs/ipc.md "Framing", docs/security.md). The backend's stdout
// is also where console.log writes, so a protocol line starts with a per-launch secret token
// and everything else is log: text an app prints (a user's input, a page message it echoes) can
// never be obeyed as a command. The launcher passes the token in TAUPY_IPC_TOKEN.
import { randomBytes } from 'node:crypto'

export const ipcTokenVariable = 'TAUPY_IPC_TOKEN'

// Kept on `process` (not enumerable) rather than in this module: a packaged app loads two
// bundles in one process (its entry and dist/server.mjs), each with its own copy of this file.
const slot = Symbol.for('taupy.ipcToken')
type Holder = { [slot]?: { token: string | undefined } }

/**
 * The token this process frames its protocol lines with. Read once, and removed from the
 * environment at once, so child processes and env dumps never see it.
 */
export function takeIpcToken(): string | undefined {
  const holder = process as unknown as Holder
  if (!holder[slot]) {
    const value = process.env[ipcTokenVariable]
    delete process.env[ipcTokenVariable]
    const token = value !== undefined && /^[0-9a-f]{32,128}$/.test(value) ? value : undefined
    Object.defineProperty(process, slot, { value: { token }, enumerable: false })
  }
  return holder[slot]!.token
}
// At module load: the IPC modules are evaluated before the app's own code that imports them.
takeIpcToken()

/** A token for a child backend (the dev supervisor, `taupy start --browser`). */
export function newIpcToken(): string {
  return randomBytes(16).toString('hex')
}

/**
 * One protocol line as written to stdout. The newline in front ends any log text written
 * without one, which would otherwise swallow the token; blank lines are log and ignored.
 */
export function frameLine(json: string, withToken: string | undefined): string {
  return withToken ? `\n${withToken}${json}\n` : `${json}\n`
}

/** The JSON of a protocol line, or undefined for a log line. No token: every line counts. */
export function unframeLine(line: string, withToken: string | undefined): string | undefined {
  if (!withToken) return line
  return line.startsWith(withToken) ? line.slice(withToken.length) : undefined
}
