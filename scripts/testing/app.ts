// Starts the app's built backend the way the launcher does, for tests: waits for its ready
// line and hands back the URL (with the one-time secret) and a way to stop it. The app gets a
// fresh data folder of its own (testDataDir), never the developer's.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { waitForReady } from '../cli/processes.js'
import { testDataDir } from './data-dir.js'

export interface RunningApp {
  /** The ready URL, secret included: what a browser opens first. */
  url: string
  /** http://127.0.0.1:PORT */
  origin: string
  child: ChildProcess
  /** The app's appDataDir(): a fresh temporary folder, removed by stop(), unless env.TAUPY_DATA_DIR names one. */
  dataDir: string
  /** Everything the backend wrote to stderr so far. */
  stderr(): string
  stop(): Promise<void>
}

/** `env` is added to this process's environment; TAUPY_DATA_DIR in it keeps that folder instead. */
export async function startApp(appDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningApp> {
  const data = testDataDir(env)
  const child = spawn(process.execPath, [join(appDir, 'dist/server.mjs')], {
    cwd: appDir,
    env: { ...process.env, ...data.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const url = await waitForReady(child, () => {}).catch((error: Error) => {
    data.remove()
    throw new Error(`${error.message}\n${stderr}`)
  })
  return {
    url,
    origin: new URL(url).origin,
    child,
    dataDir: data.dir,
    stderr: () => stderr,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
      data.remove()
    },
  }
}
