// `taupy dev`: one supervisor for the edit loop. It picks a port and a secret once, builds and
// starts the backend, and restarts it on every save (debounced), always on the same port with
// the same secret, so the open window stays signed in: the page's socket reconnects, sees a
// new build id and reloads. A save that breaks the backend puts an error stand-in on the port
// (overlay in the page) until the next good save. Vite apps also get Vite's dev server (HMR
// for UI code; only backend code restarts the backend).
// With a window, the launcher runs this supervisor as its backend (`dev --supervise`): the
// supervisor relays the IPC lines between the launcher and the current backend.
import { spawn, type ChildProcess } from 'node:child_process'
import { watch } from 'chokidar'
import { createServer as createNetServer, connect } from 'node:net'
import { dirname, join, relative } from 'node:path'
import { frameLine, ipcTokenVariable, newIpcToken, takeIpcToken, unframeLine } from '../ipc/framing.js'
import { readLines } from '../ipc/lines.js'
import { MAX_LINE_BYTES } from '../ipc/protocol.js'
import { appPort } from '../server/port.js'
import { createSecret, secretParam } from '../server/security.js'
import { devBuilder } from './build.js'
import { serverBundle, type AppConfig } from './config.js'
import { serveDevError, type DevErrorServer } from './dev-error.js'
import { findLauncher, hasDisplay, launcherArgs, noDisplayNote } from './launcher.js'
import { binPath, openBrowser } from './processes.js'

export interface DevFlags {
  window: boolean
  browser: boolean
  /** Set when the launcher started us as its backend. */
  supervise: boolean
}

const debounceMs = 80
const stderrTailLines = 40

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => (socket.end(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`)
}

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
    })
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
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
  // The page's port is the app's preferred one when free (TAUPY_APP_ID, set by the launcher):
  // the same origin as `taupy start`, so the page's web storage is there in both.
  const pagePort = (await appPort()) || (await freePort())
  const port = config.vite ? await freePort() : pagePort
  const secret = createSecret()
  const backendEnv: NodeJS.ProcessEnv = { TAUPY_PORT: String(port), TAUPY_SECRET: secret, TAUPY_DEV: '1' }
  let pageOrigin = `http://127.0.0.1:${port}`
  let vite: ChildProcess | undefined

  if (config.vite) {
    const vitePort = pagePort
    pageOrigin = `http://127.0.0.1:${vitePort}`
    // The backend also accepts requests that Vite proxies from the page's origin.
    backendEnv.TAUPY_DEV_HOSTS = process.env.TAUPY_DEV_HOSTS = `127.0.0.1:${vitePort}`
    backendEnv.TAUPY_DEV_ORIGINS = process.env.TAUPY_DEV_ORIGINS = pageOrigin
    vite = spawn(binPath(config.dir, 'vite'), ['--host', '127.0.0.1', '--port', String(vitePort), '--strictPort'], {
      cwd: config.dir,
      env: { ...process.env, TAUPY_BACKEND_PORT: String(port), TAUPY_SECRET: secret },
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: process.platform === 'win32',
    })
    await waitForPort(vitePort, 30_000)
  }
  const pageUrl = `${pageOrigin}/?${secretParam}=${secret}`
  const builder = await devBuilder(config)

  let backend: ChildProcess | undefined
  let standIn: DevErrorServer | undefined
  let buildId = 0
  let announced = false
  let stopping = false
  const announce = (): void => {
    if (announced) return
    announced = true
    process.stdout.write(frameLine(JSON.stringify({ type: 'ready', url: pageUrl }), launcherToken))
    if (!flags.supervise) {
      log(`${config.productName} is at ${pageUrl}`)
      if (flags.window) openBrowser(pageUrl)
    }
  }

  const showError = async (message: string): Promise<void> => {
    log(`the backend is down:\n${message}`)
    standIn = await serveDevError(port, secret, message)
    announce()
  }

  const stopBackend = async (): Promise<void> => {
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
    const child = spawn(process.execPath, ['--enable-source-maps', serverBundle(config)], {
      cwd: config.dir,
      env: {
        ...process.env,
        ...backendEnv,
        TAUPY_BUILD_ID: String(buildId),
        [ipcTokenVariable]: backendToken,
        ...(flags.supervise ? { TAUPY_LAUNCHER: '1' } : {}),
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
        } else if (json.startsWith('{"type":"ready"')) announce() // each restart prints one; the window needs the first
        else if (flags.supervise) process.stdout.write(frameLine(json, launcherToken))
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
        await startBackend(buildError)
      })
    }, debounceMs)
  }

  const shutdown = async (code: number): Promise<never> => {
    stopping = true
    await watcher.close()
    await builder.dispose()
    await stopBackend()
    vite?.kill('SIGTERM')
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
