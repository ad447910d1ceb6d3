// For dev-mode tests of Vite apps: runs `taupy dev --no-window` (backend + Vite with this
// plugin), waits for its ready line and hands back the page URL and a way to stop it all. The
// backend gets a fresh data folder of its own (testDataDir), never the developer's.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { waitForReady } from '../cli/processes.js'
import { testDataDir } from '../testing/data-dir.js'

export interface RunningDev {
  /** The page URL with the one-time secret, as the window would open it. */
  url: string
  /** The backend's appDataDir(): a fresh temporary folder, removed by stop(), unless env.TAUPY_DATA_DIR names one. */
  dataDir: string
  output(): string
  stop(): Promise<void>
}

export interface DevOptions {
  /** Added to this process's environment for the supervisor, Vite and the backend. */
  env?: NodeJS.ProcessEnv
}

export async function startDev(appDir: string, options: DevOptions = {}): Promise<RunningDev> {
  const data = testDataDir(options.env ?? {})
  const child = spawn(process.execPath, [join(appDir, 'taupy/bin/taupy.mjs'), 'dev', '--no-window'], {
    cwd: appDir,
    env: { ...process.env, ...data.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops Vite and the backend it started.
    detached: process.platform !== 'win32',
  })
  let output = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const url = await waitForReady(child, (line) => (output += line + '\n')).catch((error: Error) => {
    data.remove()
    throw new Error(`${error.message}\n${output}`)
  })
  return {
    url,
    dataDir: data.dir,
    output: () => output,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGTERM')
        else child.kill('SIGTERM')
      })
      data.remove()
    },
  }
}
