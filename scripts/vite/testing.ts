// For dev-mode tests of Vite apps: runs `taupy dev --no-window` (backend + Vite with this
// plugin), waits for its ready line and hands back the page URL and a way to stop it all.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { waitForReady } from '../cli/processes.js'

export interface RunningDev {
  /** The page URL with the one-time secret, as the window would open it. */
  url: string
  output(): string
  stop(): Promise<void>
}

export async function startDev(appDir: string): Promise<RunningDev> {
  const child = spawn(process.execPath, [join(appDir, 'taupy/bin/taupy.mjs'), 'dev', '--no-window'], {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it also stops Vite and the backend it started.
    detached: process.platform !== 'win32',
  })
  let output = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const url = await waitForReady(child, (line) => (output += line + '\n')).catch((error: Error) => {
    throw new Error(`${error.message}\n${output}`)
  })
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGTERM')
        else child.kill('SIGTERM')
      }),
  }
}
