// The backend core every template builds on: a Fastify server on loopback with the security
// hook, WebSocket support and the ready line. Templates add their routes and their channel.
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance } from 'fastify'
import { attachLauncher } from '../ipc/index.js'
import { channelLimits } from './channel.js'
import { appPort } from './port.js'
import { lifelineEnv, onLifelineCut } from './lifeline.js'
import { announceReady } from './ready.js'
import { updates } from '../updates/index.js'
import { createOneTimeCode, createSecret, oneTimeParam, registerSecurity, secretParam, type CspOptions, type Guard } from './security.js'

export { registerChannel, channelLimits, type ChannelOptions, type ErrorMessage, type Session } from './channel.js'
export { serveStatic } from './static.js'
export { appPort, preferredPort } from './port.js'
export { appDataDir } from './app-data.js'
export { settingsFile, writeFileAtomic, type SettingsFile } from './settings.js'
export { judgeRequest, deniedText, type CspOptions, type Guard, type Verdict } from './security.js'

export interface ServerOptions {
  csp?: CspOptions
  /** Defaults: TAUPY_PORT under the dev supervisor (TAUPY_DEV=1), else the app's preferred port (TAUPY_APP_ID, port.ts), else ephemeral. */
  port?: number
  /** Defaults: TAUPY_SECRET under the dev supervisor (TAUPY_DEV=1), else a new random secret. */
  secret?: string
  /**
   * Listen on this Unix socket or Windows named pipe instead of TCP; `port` is then the public
   * TCP port in front of it (the dev supervisor's). Default: TAUPY_LISTEN_PATH under the supervisor.
   */
  listenPath?: string
  /** Hosts and origins allowed besides our own (the Vite dev server). Defaults: TAUPY_DEV_HOSTS/ORIGINS under the supervisor. */
  extraHosts?: string[]
  extraOrigins?: string[]
}

export interface ListenOptions {
  /**
   * True (the default) when this server is the app's backend process: it prints the ready line,
   * exits on SIGINT/SIGTERM and follows the launcher. False for a helper server inside another
   * process (the dev supervisor's error stand-in).
   */
  standalone?: boolean
}

export interface TaupyServer {
  fastify: FastifyInstance
  /** Listens on 127.0.0.1, prints the ready line and returns the URL a browser needs. */
  listen(options?: ListenOptions): Promise<string>
  /**
   * Runs once when the backend stops, whatever stops it: the window closed, SIGTERM or SIGINT,
   * the launcher or the process that started us gone (all of them close the Fastify server).
   * May be async, to save pending edits; once the launcher is gone it gets at most 800 ms.
   */
  onShutdown(hook: () => void | Promise<void>): void
}

const redactSecrets = (url: string): string => url.replace(/([?&](?:taupy|taupy_once)=)[^&#]*/g, '$1…')

const list = (value: string | undefined): string[] => (value ? value.split(',').filter(Boolean) : [])

/**
 * The dev supervisor hands every restart the same secret, port and extra hosts through the
 * environment. Only under it (TAUPY_DEV=1, which it sets): a production backend must not let
 * a variable left in the user's shell choose its secret. Read once and removed, so nothing the
 * backend starts (a tool, a worker) inherits the secret.
 */
interface DevEnvironment {
  secret?: string
  port?: number
  hosts: string[]
  origins: string[]
  oneTime?: string
  listenPath?: string
}

function takeDevEnvironment(): DevEnvironment {
  const names = ['TAUPY_SECRET', 'TAUPY_PORT', 'TAUPY_DEV_HOSTS', 'TAUPY_DEV_ORIGINS', 'TAUPY_ONE_TIME', 'TAUPY_LISTEN_PATH'] as const
  const values = Object.fromEntries(names.map((name) => [name, process.env[name]]))
  for (const name of names) delete process.env[name]
  if (process.env.TAUPY_DEV !== '1') return { hosts: [], origins: [] }
  return {
    secret: values.TAUPY_SECRET || undefined,
    port: values.TAUPY_PORT ? Number(values.TAUPY_PORT) : undefined,
    hosts: list(values.TAUPY_DEV_HOSTS),
    origins: list(values.TAUPY_DEV_ORIGINS),
    // The supervisor's one-time code for the browser it opens, given to the first backend only.
    oneTime: values.TAUPY_ONE_TIME || undefined,
    // The supervisor holds the TCP port and forwards to this private socket (docs/dev.md).
    listenPath: values.TAUPY_LISTEN_PATH || undefined,
  }
}

export async function createServer(options: ServerOptions = {}): Promise<TaupyServer> {
  const devEnv = takeDevEnvironment()
  const guard: Guard = {
    // The dev supervisor passes the same secret and port to every restart, so the open window
    // stays signed in; otherwise both are new on every launch.
    secret: options.secret ?? devEnv.secret ?? createSecret(),
    host: '',
    extraOrigins: options.extraOrigins ?? devEnv.origins,
    extraHosts: options.extraHosts ?? devEnv.hosts,
    oneTime: devEnv.oneTime ? createOneTimeCode(devEnv.oneTime) : undefined,
  }
  const fastify = Fastify({
    // stdout carries the IPC protocol; logs go to stderr.
    logger: {
      level: process.env.TAUPY_LOG_LEVEL ?? 'warn',
      stream: process.stderr,
      // Request URLs are logged at info: never with the secret or the one-time code in them.
      serializers: {
        req: (request: { method: string; url: string; headers?: { host?: string } }) => ({
          method: request.method,
          url: redactSecrets(request.url),
          host: request.headers?.host,
        }),
      },
    },
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
  })
  registerSecurity(fastify, guard, options.csp ?? {})
  await fastify.register(websocket, { options: { maxPayload: channelLimits.maxMessageBytes } })

  const shutdownHooks: (() => void | Promise<void>)[] = []
  fastify.addHook('onClose', async () => {
    for (const hook of shutdownHooks.splice(0)) {
      try {
        await hook()
      } catch (error) {
        fastify.log.error({ err: error }, 'shutdown hook failed')
      }
    }
  })

  return {
    fastify,
    onShutdown: (hook) => void shutdownHooks.push(hook),
    async listen({ standalone = true } = {}) {
      const listenPath = options.listenPath ?? devEnv.listenPath
      const publicPort = options.port ?? devEnv.port
      if (listenPath) {
        if (!publicPort) throw new Error('listening on a socket path needs the public port in front of it')
        await fastify.listen({ path: listenPath })
        guard.host = `127.0.0.1:${publicPort}`
      } else {
        await fastify.listen({ host: '127.0.0.1', port: publicPort ?? (await appPort()) })
        const address = fastify.server.address()
        if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP')
        guard.host = `127.0.0.1:${address.port}`
      }
      const url = `http://${guard.host}/?${secretParam}=${guard.secret}`
      guard.oneTime ??= createOneTimeCode()
      const openUrl = `http://${guard.host}/?${oneTimeParam}=${guard.oneTime.code}`
      if (standalone) {
        // Under the launcher: a closed window or a dead launcher ends the backend, cleanly.
        attachLauncher(() => fastify.close())
        const stop = (): void => void fastify.close().finally(() => process.exit(0))
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop)
        // Started by taupy (start, dev): end with whoever started us (scripts/server/lifeline.ts).
        if (process.env[lifelineEnv.stdin] || process.env[lifelineEnv.watchPid]) {
          onLifelineCut(stop, { stdin: process.env[lifelineEnv.stdin] === 'stdin' && process.env.TAUPY_LAUNCHER !== '1' })
        }
        announceReady(url, openUrl)
        // A packaged app with an update URL checks within a minute (docs/updates.md).
        updates.start()
      }
      return url
    },
  }
}
