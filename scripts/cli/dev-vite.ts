// Vite's dev server for `taupy dev`. Vite binds an ephemeral port itself (`--port 0`): nothing
// is picked, freed and bound again, so no other local user can take the port in between. Our
// Vite plugin (scripts/vite/plugin.ts) reports the port it listens on over the IPC channel,
// which only this child holds: the window and the secret go there and nowhere else. The same
// channel is Vite's lifeline: when the supervisor dies, it closes and Vite exits.
import { spawn, type ChildProcess } from 'node:child_process'
import type { AppConfig } from './config.js'
import { toolCommand } from './processes.js'

export interface ViteEnv {
  backendPort: number
  secret: string
  oneTime: string
}

export interface RunningVite {
  child: ChildProcess
  port: number
}

export const viteListeningMessage = 'taupy:vite-listening'
const startTimeoutMs = 30_000

export function startVite(config: AppConfig, env: ViteEnv): Promise<RunningVite> {
  const [node, script] = toolCommand(config.dir, 'vite')
  const child = spawn(node, [script, '--host', '127.0.0.1', '--port', '0', '--strictPort'], {
    cwd: config.dir,
    env: { ...process.env, TAUPY_BACKEND_PORT: String(env.backendPort), TAUPY_SECRET: env.secret, TAUPY_ONE_TIME: env.oneTime },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      reject(new Error(`Vite did not report a listening port within ${startTimeoutMs / 1000} s (is taupy() in vite.config.ts plugins?)`))
    }, startTimeoutMs)
    child.on('message', (message: { type?: string; port?: unknown }) => {
      if (message?.type !== viteListeningMessage || !Number.isInteger(message.port)) return
      clearTimeout(timer)
      resolve({ child, port: message.port as number })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`Vite exited (${signal ?? `code ${code}`}) before it listened; its output is above`))
    })
  })
}
