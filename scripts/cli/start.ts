// `taupy start`: runs the built app. In its native window through the launcher by default;
// in the system browser with --browser (or where no launcher exists for this OS); headless
// with --no-window, printing the ready line for tests and scripts.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { buildAll } from './build.js'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { findLauncher, hasDisplay, launcherArgs, noDisplayNote } from './launcher.js'
import { openBrowser, waitForReady } from './processes.js'
import { isStale } from './stale.js'
import { ipcTokenVariable, newIpcToken } from '../ipc/framing.js'

export interface StartFlags {
  window: boolean
  browser: boolean
}

const sourceInputs = ['src', 'server', 'taupy', 'public', 'index.html', 'package.json', 'vite.config.ts']

/** Ends with the child: same exit code; our own signals are passed on to it. */
function follow(child: ChildProcess): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

export async function start(config: AppConfig, flags: StartFlags): Promise<void> {
  const outputs = [serverBundle(config), join(webDir(config), config.vite ? 'index.html' : 'app.js')]
  if (isStale(config.dir, config.vite || config.client ? outputs : outputs.slice(0, 1), sourceInputs)) {
    console.error('taupy: building…')
    await buildAll(config)
  }
  const backend = [process.execPath, serverBundle(config)]
  if (flags.window && !hasDisplay()) console.error(`taupy: ${noDisplayNote}`)
  if (!flags.window || !hasDisplay()) {
    follow(spawn(backend[0]!, backend.slice(1), { cwd: config.dir, stdio: 'inherit' }))
    return
  }
  const launcher = flags.browser ? undefined : findLauncher(config.dir)
  if (launcher) {
    follow(spawn(launcher, [...launcherArgs(config), '--', ...backend], { cwd: config.dir, stdio: 'inherit' }))
    return
  }
  if (!flags.browser) console.error(`taupy: no launcher for ${process.platform}-${process.arch}; opening the system browser`)
  const token = newIpcToken()
  const child = spawn(backend[0]!, backend.slice(1), {
    cwd: config.dir,
    env: { ...process.env, [ipcTokenVariable]: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  follow(child)
  const url = await waitForReady(child, (line) => console.log(line), token)
  console.error(`taupy: ${config.productName} is at ${url}`)
  openBrowser(url)
}
