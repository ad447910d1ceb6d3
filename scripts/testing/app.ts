// Starts the app's built backend the way the launcher does, for tests: waits for its ready
// line and hands back the URL (with the one-time secret) and a way to stop it.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { waitForReady } from '../cli/processes.js'

export interface RunningApp {
  /** The ready URL, secret included: what a browser opens first. */
  url: string
  /** http://127.0.0.1:PORT */
  origin: string
  child: ChildProcess
  /** Everything the backend wrote to stderr so far. */
  stderr(): string
  stop(): Promise<void>
}

export async function startApp(appDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningApp> {
  const child = spawn(process.execPath, [join(appDir, 'dist/server.mjs')], {
    cwd: appDir,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const url = await waitForReady(child, () => {}).catch((error: Error) => {
    throw new Error(`${error.message}\n${stderr}`)
  })
  return {
    url,
    origin: new URL(url).origin,
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
