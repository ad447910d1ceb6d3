// Starts the app's built backend the way the launcher does, for tests: waits for its ready
// line and hands back the URL (with the one-time secret) and a way to stop it. The app gets a
// fresh data folder of its own (testDataDir), never the developer's. With `window`, a scripted
// stand-in for the native window (window.ts) is on the other end of the IPC pipe.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { waitForReady } from '../cli/processes.js'
import { ipcTokenVariable, newIpcToken } from '../ipc/framing.js'
import { testDataDir } from './data-dir.js'
import { StandInWindow, type WindowScript } from './window.js'

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

export interface RunningAppWithWindow extends RunningApp {
  /** The stand-in window: the commands the backend sent, its scripted dialogs, events to send. */
  window: StandInWindow
}

export interface StartAppOptions {
  /** Added to this process's environment; TAUPY_DATA_DIR in it keeps that folder instead of a fresh one. */
  env?: NodeJS.ProcessEnv
  /**
   * Runs the backend as under the launcher, with a stand-in window that answers dialogs as
   * scripted here and records every window command. Without it the app runs as in a plain
   * browser: `win.available` is false, window calls are no-ops, dialogs reject.
   */
  window?: WindowScript
}

export function startApp(appDir: string, options: StartAppOptions & { window: WindowScript }): Promise<RunningAppWithWindow>
export function startApp(appDir: string, options?: StartAppOptions): Promise<RunningApp>
export async function startApp(appDir: string, options: StartAppOptions = {}): Promise<RunningApp | RunningAppWithWindow> {
  const data = testDataDir(options.env ?? {})
  // The launcher's framing (docs/ipc.md): only lines that start with this token are commands.
  const token = options.window ? newIpcToken() : undefined
  const launcherEnv = token ? { TAUPY_LAUNCHER: '1', [ipcTokenVariable]: token } : {}
  const child = spawn(process.execPath, [join(appDir, 'dist/server.mjs')], {
    cwd: appDir,
    env: { ...process.env, ...data.env, ...launcherEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const window = options.window && child.stdin ? new StandInWindow(child.stdin, options.window) : undefined
  // A backend that dies closes its stdin: writes after that must not crash the test.
  child.stdin?.on('error', () => {})
  const url = await waitForReady(child, (line, framed) => {
    if (framed) window?.receive(line)
  }, token).catch((error: Error) => {
    data.remove()
    throw new Error(`${error.message}\n${stderr}`)
  })
  window?.opened(url)
  return {
    url,
    origin: new URL(url).origin,
    child,
    dataDir: data.dir,
    ...(window ? { window } : {}),
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
