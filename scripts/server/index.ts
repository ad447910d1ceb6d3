// The backend core every template builds on: a Fastify server on loopback with the security
// hook, WebSocket support and the ready line. Templates add their routes and their channel.
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance } from 'fastify'
import { attachLauncher } from '../ipc/index.js'
import { channelLimits } from './channel.js'
import { appPort } from './port.js'
import { announceReady } from './ready.js'
import { updates } from '../updates/index.js'
import { createSecret, registerSecurity, secretParam, type CspOptions, type Guard } from './security.js'

export { registerChannel, channelLimits, type ChannelOptions, type ErrorMessage, type Session } from './channel.js'
export { serveStatic } from './static.js'
export { appPort, preferredPort } from './port.js'
export { appDataDir } from './app-data.js'
export { settingsFile, writeFileAtomic, type SettingsFile } from './settings.js'
export { judgeRequest, deniedText, type CspOptions, type Guard, type Verdict } from './security.js'

export interface ServerOptions {
  csp?: CspOptions
  /** Defaults: TAUPY_PORT, else the app's preferred port (TAUPY_APP_ID, port.ts), else ephemeral. */
  port?: number
  /** Defaults: TAUPY_SECRET, else a new random secret. */
  secret?: string
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
}

const list = (value: string | undefined): string[] => (value ? value.split(',').filter(Boolean) : [])

export async function createServer(options: ServerOptions = {}): Promise<TaupyServer> {
  const guard: Guard = {
    // The dev supervisor passes the same secret and port to every restart, so the open window
    // stays signed in; otherwise both are new on every launch.
    secret: options.secret ?? (process.env.TAUPY_SECRET || createSecret()),
    host: '',
    extraOrigins: list(process.env.TAUPY_DEV_ORIGINS),
    extraHosts: list(process.env.TAUPY_DEV_HOSTS),
  }
  const fastify = Fastify({
    // stdout carries the IPC protocol; logs go to stderr.
    logger: { level: process.env.TAUPY_LOG_LEVEL ?? 'warn', stream: process.stderr },
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
  })
  registerSecurity(fastify, guard, options.csp ?? {})
  await fastify.register(websocket, { options: { maxPayload: channelLimits.maxMessageBytes } })

  return {
    fastify,
    async listen({ standalone = true } = {}) {
      const port = options.port ?? (process.env.TAUPY_PORT ? Number(process.env.TAUPY_PORT) : await appPort())
      await fastify.listen({ host: '127.0.0.1', port })
      const address = fastify.server.address()
      if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP')
      guard.host = `127.0.0.1:${address.port}`
      const url = `http://${guard.host}/?${secretParam}=${guard.secret}`
      if (standalone) {
        // Under the launcher: a closed window or a dead launcher ends the backend, cleanly.
        attachLauncher(() => fastify.close())
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.once(signal, () => void fastify.close().finally(() => process.exit(0)))
        }
        announceReady(url)
        // A packaged app with an update URL checks within a minute (docs/updates.md).
        updates.start()
      }
      return url
    },
  }
}
