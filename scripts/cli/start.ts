// `taupy start`: runs the built app. In its native window through the launcher by default;
// in the system browser with --browser (or where no launcher exists for this OS); headless
// with --no-window, printing the ready line for tests and scripts.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { buildAll } from './build.js'
import { serverBundle, webDir, type AppConfig } from './config.js'
import { findLauncher, hasDisplay, launcherArgs, noDisplayNote } from './launcher.js'
import { openBrowser, waitForReadyMessage } from './processes.js'
import { isStale } from './stale.js'
import { lifelineEnv, onLifelineCut } from '../server/lifeline.js'

export interface StartFlags {
  window: boolean
  browser: boolean
}

const sourceInputs = ['src', 'server', 'taupy', 'public', 'index.html', 'package.json', 'vite.config.ts']

/**
 * Ends with the child: same exit code; our own signals are passed on to it, and when our parent
 * (or npm, under `npm run`) is gone, it is stopped too.
 */
function follow(child: ChildProcess): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal))
  onLifelineCut(() => child.kill('SIGTERM'))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

/**
 * The backend's lifelines (scripts/server/lifeline.ts): a pipe on its stdin, which closes when
 * we die, even by SIGKILL; under the launcher (whose pipe stdin is), our pid to watch instead.
 */
const backendEnv = (launcher: boolean): NodeJS.ProcessEnv =>
  launcher ? { ...process.env, [lifelineEnv.watchPid]: String(process.pid) } : { ...process.env, [lifelineEnv.stdin]: 'stdin' }

export async function start(config: AppConfig, flags: StartFlags): Promise<void> {
  const outputs = [serverBundle(config), join(webDir(config), config.vite ? 'index.html' : 'app.js')]
  if (isStale(config.dir, config.vite || config.client ? outputs : outputs.slice(0, 1), sourceInputs)) {
    console.error('taupy: building…')
    await buildAll(config)
  }
  const backend = [process.execPath, serverBundle(config)]
  if (flags.window && !hasDisplay()) console.error(`taupy: ${noDisplayNote}`)
  if (!flags.window || !hasDisplay()) {
    follow(spawn(backend[0]!, backend.slice(1), { cwd: config.dir, stdio: ['pipe', 'inherit', 'inherit'], env: backendEnv(false) }))
    return
  }
  const launcher = flags.browser ? undefined : findLauncher(config.dir)
  if (launcher) {
    follow(spawn(launcher, [...launcherArgs(config), '--', ...backend], { cwd: config.dir, stdio: 'inherit', env: backendEnv(true) }))
    return
  }
  if (!flags.browser) console.error(`taupy: no launcher for ${process.platform}-${process.arch}; opening the system browser`)
  const child = spawn(backend[0]!, backend.slice(1), { cwd: config.dir, stdio: ['pipe', 'pipe', 'inherit'], env: backendEnv(false) })
  follow(child)
  const ready = await waitForReadyMessage(child, (line) => console.log(line))
  console.error(`taupy: ${config.productName} is at ${ready.url}`)
  // The one-time URL: the secret itself never reaches a command line (/proc/*/cmdline).
  openBrowser(ready.openUrl ?? ready.url)
}
