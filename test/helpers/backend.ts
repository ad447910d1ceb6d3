// Starts a backend process and waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process'
import { waitForReadyMessage } from '../../scripts/cli/processes.js'

export interface Backend {
  url: string
  origin: string
  host: string
  secret: string
  /** The one-time URL for a browser (ready line `openUrl`). */
  openUrl?: string
  stderr(): string
  child: ChildProcess
  stop(): Promise<void>
}

export async function startBackend(command: string[], env: NodeJS.ProcessEnv = {}): Promise<Backend> {
  const child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const { url, openUrl } = await waitForReadyMessage(child, () => {}).catch((error: Error) => {
    throw new Error(`${error.message}\n${stderr}`)
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    host: parsed.host,
    secret: parsed.searchParams.get('taupy') ?? '',
    openUrl,
    stderr: () => stderr,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export const coreServer = [process.execPath, '--import', 'tsx', new URL('../fixtures/core-server.ts', import.meta.url).pathname]
