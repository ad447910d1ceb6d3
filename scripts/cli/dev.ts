// `taupy dev`: one supervisor for the edit loop. It binds the port and makes a secret once
// (the port stays bound for the whole session: dev-front.ts), builds and starts the backend,
// and restarts it on every save (debounced), always behind the same port with the same secret, so the open window stays signed in: the page's socket reconnects, sees a
// new build id and reloads. A save that breaks the backend puts an error stand-in on the port
// (overlay in the page) until the next good save. Vite apps also get Vite's dev server (HMR
// for UI code; only backend code restarts the backend).
// With a window, the launcher runs this supervisor as its backend (`dev --supervise`): the
// supervisor relays the IPC lines between the launcher and the current backend. A restarted
// backend starts as a fresh one would, with the main window only: the windows the old one
// opened (create_window) are closed when it stops, since the new one knows nothing of them.
import { spawn, type ChildProcess } from 'node:child_process'
import { watch } from 'chokidar'
import { dirname, join, relative } from 'node:path'
import { frameLine, ipcTokenVariable, newIpcToken, takeIpcToken, unframeLine } from '../ipc/framing.js'
import { readLines } from '../ipc/lines.js'
import { MAX_LINE_BYTES } from '../ipc/protocol.js'
import { lifelineEnv, onLifelineCut } from '../server/lifeline.js'
import { appPort } from '../server/port.js'
import { createSecret, oneTimeParam, secretParam } from '../server/security.js'
import { devBuilder } from './build.js'
import { serverBundle, type AppConfig } from './config.js'
import { serveDevError, type DevErrorServer } from './dev-error.js'
import { findLauncher, hasDisplay, launcherArgs, noDisplayNote } from './launcher.js'
import { openFrontDoor } from './dev-front.js'
import { startVite } from './dev-vite.js'
import { openBrowser } from './processes.js'

export interface DevFlags {
  window: boolean
  browser: boolean
  /** Set when the launcher started us as its backend. */
  supervise: boolean
}

const debounceMs = 80
const stderrTailLines = 40

const list = (value: string | undefined): string[] => (value ? [value] : [])
const log = (message: string): void => void process.stderr.write(`taupy dev: ${message}\n`)

export async function dev(config: AppConfig, flags: DevFlags): Promise<void> {
  if (flags.window && !hasDisplay()) {
    log(noDisplayNote)
    flags = { ...flags, window: false }
  }
  const launcher = flags.window && !flags.browser && !flags.supervise ? findLauncher(config.dir) : undefined
  if (launcher) {
    const taupyBin = join(config.dir, 'taupy/bin/taupy.mjs')
    const child = spawn(launcher, [...launcherArgs(config), '--', process.execPath, taupyBin, 'dev', '--supervise'], {
      cwd: config.dir,
      stdio: 'inherit',
      // The supervisor, the launcher's child, watches us: if we are killed, it exits, and the
      // launcher closes the window (a backend that exits with 0 ends the launcher).
      env: { ...process.env, [lifelineEnv.watchPid]: String(process.pid) },
    })
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
    onLifelineCut(() => child.kill('SIGTERM'))
    child.on('exit', (code) => process.exit(code ?? 0))
    return
  }
  await supervise(config, flags)
}

async function supervise(config: AppConfig, flags: DevFlags): Promise<void> {
  // IPC framing both ways (docs/ipc.md): lines toward the launcher carry its token; each
  // backend gets a token of ours and only its framed lines are relayed. What the backend prints
  // otherwise is log, to stderr: stdout is the launcher's protocol channel.
  const launcherToken = takeIpcToken()
  const backendToken = newIpcToken()
  // Ends with our parent (and npm, under `npm run`; and `taupy dev`, under the launcher).
  let shutdown: (code: number) => Promise<void> = async (code) => process.exit(code)
  onLifelineCut(() => void shutdown(0))
  // The app's preferred port when free (TAUPY_APP_ID, set by the launcher): the same origin as
  // `taupy start`, so the page's web storage is there in both. (Vite apps: Vite's own port.)
  const front = await openFrontDoor(config.vite ? 0 : await appPort())
  const port = front.port
  const secret = createSecret()
  // For the browser `--browser` opens: redeemed once by whichever server serves the page.
  const oneTime = createSecret()
  const backendEnv: NodeJS.ProcessEnv = { TAUPY_PORT: String(port), TAUPY_SECRET: secret, TAUPY_DEV: '1', [lifelineEnv.stdin]: 'stdin' }
  let pageOrigin = `http://127.0.0.1:${port}`
  let vite: ChildProcess | undefined
  let stopping = false

  if (config.vite) {
    const started = await startVite(config, { backendPort: port, secret, oneTime }).catch(async (error: Error) => {
      await front.close()
      throw error
    })
    vite = started.child
    pageOrigin = `http://127.0.0.1:${started.port}`
    // The backend also accepts requests that Vite proxies from the page's origin.
    backendEnv.TAUPY_DEV_HOSTS = `127.0.0.1:${started.port}`
    backendEnv.TAUPY_DEV_ORIGINS = pageOrigin
    vite.on('exit', (code, signal) => {
      if (stopping) return
      log(`Vite's dev server exited (${signal ?? `code ${code}`}); stopping. Its output is above; run \`npm run dev\` again once it is fixed.`)
      void shutdown(1)
    })
  }
  const pageUrl = `${pageOrigin}/?${secretParam}=${secret}`
  const openUrl = `${pageOrigin}/?${oneTimeParam}=${oneTime}`
  const builder = await devBuilder(config)

  let backend: ChildProcess | undefined
  let standIn: DevErrorServer | undefined
  let buildId = 0
  let announced = false
  const announce = (): void => {
    if (announced) return
    announced = true
    process.stdout.write(frameLine(JSON.stringify({ type: 'ready', url: pageUrl, openUrl }), launcherToken))
    if (!flags.supervise) {
      log(`${config.productName} is at ${pageUrl}`)
      // The one-time URL: the secret itself never reaches a command line (/proc/*/cmdline).
      if (flags.window) openBrowser(openUrl)
    }
  }

  const showError = async (message: string): Promise<void> => {
    log(`the backend is down:\n${message}`)
    const listenPath = front.nextPath()
    standIn = await serveDevError({ port, listenPath, secret, extraHosts: list(backendEnv.TAUPY_DEV_HOSTS), extraOrigins: list(backendEnv.TAUPY_DEV_ORIGINS) }, message)
    front.target = listenPath
    announce()
  }

  // Windows the current backend opened besides main (a close of one already gone is answered
  // with an unknown_window error, which the next backend ignores).
  const openedWindows = new Set<string>()
  const noteWindow = (json: string): void => {
    if (!json.includes('"create_window"')) return
    try {
      const command = JSON.parse(json) as { type?: unknown; window?: unknown }
      if (command.type === 'create_window' && typeof command.window === 'string') openedWindows.add(command.window)
    } catch {} // not JSON: the launcher answers it with `malformed`
  }
  const closeOpenedWindows = (): void => {
    for (const window of openedWindows) process.stdout.write(frameLine(JSON.stringify({ type: 'close_window', window }), launcherToken))
    openedWindows.clear()
  }

  const stopBackend = async (): Promise<void> => {
    front.target = undefined
    await standIn?.close()
    standIn = undefined
    const child = backend
    backend = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 2000).unref()
    })
  }

  /** Rebuilds while the old backend still serves; returns the build error, if any. */
  const rebuild = async (): Promise<string | undefined> => {
    try {
      await builder.rebuild()
      return undefined
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    }
  }

  const startBackend = async (buildError: string | undefined): Promise<void> => {
    if (buildError !== undefined) return showError(buildError)
    buildId += 1
    const listenPath = front.nextPath()
    const child = spawn(process.execPath, ['--enable-source-maps', serverBundle(config)], {
      cwd: config.dir,
      env: {
        ...process.env,
        ...backendEnv,
        TAUPY_BUILD_ID: String(buildId),
        [ipcTokenVariable]: backendToken,
        TAUPY_LISTEN_PATH: listenPath,
        ...(flags.supervise ? { TAUPY_LAUNCHER: '1' } : {}),
        // Only the first backend can redeem it (Vite does, when it serves the page).
        ...(buildId === 1 && !config.vite ? { TAUPY_ONE_TIME: oneTime } : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    backend = child
    const tail: string[] = []
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      process.stderr.write(chunk)
      tail.push(...chunk.split('\n'))
      tail.splice(0, Math.max(0, tail.length - stderrTailLines))
    })
    readLines(child.stdout!, MAX_LINE_BYTES, {
      line: (line) => {
        const json = unframeLine(line, backendToken)
        if (json === undefined) {
          if (line !== '') process.stderr.write(line + '\n')
        } else if (json.startsWith('{"type":"ready"')) {
          // Our own child, on its private socket: now the port may lead there. Each restart
          // prints a ready line; the window only ever needs the first.
          if (backend === child) front.target = listenPath
          announce()
        } else if (flags.supervise) {
          noteWindow(json)
          process.stdout.write(frameLine(json, launcherToken))
        }
      },
      tooLong: (bytes) => log(`dropped a backend output line of ${bytes} bytes (limit ${MAX_LINE_BYTES})`),
    })
    child.on('exit', (code, signal) => {
      if (backend !== child || stopping) return
      backend = undefined
      // The app chose to quit (e.g. its window was closed): so do we.
      if (code === 0) return void shutdown(0)
      void showError(`The backend exited (${signal ?? `code ${code}`}).\n\n${tail.join('\n').trim()}`)
    })
  }

  // Restarts run one at a time; saves that land during one are folded into the next.
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let pending = false
  const restart = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (pending) return
      pending = true
      running = running.then(async () => {
        pending = false
        const buildError = await rebuild()
        await stopBackend()
        if (flags.supervise) closeOpenedWindows()
        await startBackend(buildError)
      })
    }, debounceMs)
  }

  shutdown = async (code: number): Promise<void> => {
    if (stopping) return
    stopping = true
    vite?.kill('SIGTERM')
    await watcher.close()
    await builder.dispose()
    await stopBackend()
    await front.close()
    process.exit(code)
  }

  // Backend sources restart the backend; in Vite apps, UI sources are Vite's (HMR).
  const backendDirs = new Set([dirname(config.server), 'taupy'])
  if (config.client) backendDirs.add(dirname(config.client))
  const watcher = watch([...backendDirs, 'package.json'].map((path) => join(config.dir, path)), {
    ignoreInitial: true,
    ignored: (path: string) => /(^|[\\/])(node_modules|dist|launcher|\.cache)([\\/]|$)/.test(relative(config.dir, path)),
  })
  watcher.on('all', (_event, path) => {
    log(`${relative(config.dir, path)} changed; restarting the backend`)
    restart()
  })

  // Under the launcher: its events go to whichever backend runs now; its exit ends us.
  if (flags.supervise) {
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (chunk: string) => backend?.stdin?.write(chunk))
    process.stdin.on('end', () => void shutdown(0))
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0))

  await startBackend(await rebuild())
}
