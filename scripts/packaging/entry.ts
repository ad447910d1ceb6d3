// The first code that runs inside a packaged app. caxa's stub extracts the archive once, then
// runs `{{caxa}}/node {{caxa}}/main.mjs <the user's arguments>` (this file, bundled by
// `taupy package`). It plays the part `taupy start` plays in development:
//   (default)        the native launcher opens the window and runs the backend (this file
//                    again, with --taupy-backend); without a launcher, the system browser;
//   --browser        the system browser;
//   --no-window      only the backend, in this process, printing its ready line (also
//                    what happens on Linux without a display, as with `taupy start`).
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import module from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { hasDisplay, noDisplayNote } from '../cli/launcher.js'
import { openBrowser, waitForReady } from '../cli/processes.js'
import { ipcTokenVariable, newIpcToken } from '../ipc/framing.js'
import { markInUse, removeOldBuilds, survivesCleanup } from './old-builds.js'
import { onParentExit } from './parent-watch.js'

/** Window title and size from the app's package.json, set by `taupy package`. */
declare const TAUPY_LAUNCHER_ARGS: string[]

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)

// The first process of the app (not the backend the launcher starts) marks its build in use
// before anything else, so that another copy's cleanup (old-builds.ts) leaves it alone, and
// then makes sure no cleanup had already claimed it.
if (!args.includes('--taupy-backend')) {
  let kept = false
  try {
    markInUse(here)
    kept = await survivesCleanup(here)
  } catch {} // the folder is already gone
  if (!kept) {
    console.error('taupy: this version of the app was being removed (another copy cleans up old versions) as it started; start it again')
    process.exit(1)
  }
}
const launcher = join(here, 'launcher', process.platform === 'win32' ? 'taupy-launcher.exe' : 'taupy-launcher')
const backendCommand = [process.execPath, fileURLToPath(import.meta.url), '--taupy-backend']

// Node 22.1+ caches compiled code; the extraction folder belongs to this exact build, so it is
// the right lifetime for that cache (never for user data: see taupy/server/app-data.ts).
// The environment variable carries it into the backend process too; Node 20 ignores both.
process.env.NODE_COMPILE_CACHE ??= join(here, '.compile-cache')

function endGracefully(): void {
  // The backend's own SIGTERM handler closes the server; emit it by hand so this works on
  // Windows too, where process.kill(pid, 'SIGTERM') would terminate at once.
  if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM')
  else process.exit(0)
  setTimeout(() => process.exit(0), 3000).unref()
}

async function runBackend(): Promise<void> {
  const compileCache = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache
  compileCache?.(process.env.NODE_COMPILE_CACHE!)
  onParentExit(endGracefully)
  await import(pathToFileURL(join(here, 'dist/server.mjs')).href)
}

/** Lives as long as the child: passes our signals on, and ends it when our parent is gone. */
function supervise(child: ChildProcess): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
  onParentExit(() => child.kill('SIGTERM'))
}

async function runWindow(browser: boolean): Promise<void> {
  if (!browser && existsSync(launcher)) {
    supervise(spawn(launcher, [...TAUPY_LAUNCHER_ARGS, '--', ...backendCommand], { stdio: 'inherit' }))
    return
  }
  if (!browser) console.error(`taupy: this build has no native window for ${process.platform}-${process.arch}; opening the system browser`)
  const token = newIpcToken()
  const child = spawn(backendCommand[0]!, backendCommand.slice(1), {
    env: { ...process.env, [ipcTokenVariable]: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  supervise(child)
  openBrowser(await waitForReady(child, (line) => console.log(line), token))
}

// It also cleans up after caxa, once the app is up: old builds are never worth a slower start.
if (!args.includes('--taupy-backend')) setTimeout(() => void removeOldBuilds(here), 3000).unref()
const browser = args.includes('--browser')
if (args.includes('--no-window') || args.includes('--taupy-backend')) await runBackend()
else if (!browser && !hasDisplay()) {
  console.error(`taupy: ${noDisplayNote}`)
  await runBackend()
} else await runWindow(browser)
