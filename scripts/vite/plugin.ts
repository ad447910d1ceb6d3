// The Vite plugin of the React and Lit templates (vite.config.ts: `plugins: [react(), taupy()]`).
// In dev it carries /ws to the backend (ws-proxy.ts) and holds Vite's dev server to the backend's rules:
// loopback Host, our Origin, the per-launch secret and the same Content-Security-Policy.
// In dev and build alike, a UI module that pulls in TypeBox (a value imported from
// shared/api.ts) is an error that names the import chain (server-only.ts).
import type { Plugin } from 'vite'
import { contentSecurityPolicy } from '../server/security.js'
import { loopback, readDevBackend, type DevBackend } from './env.js'
import { devGuard } from './guard.js'
import { inlineScriptsAsModules } from './inline-scripts.js'
import { serverOnlyModules } from './server-only.js'
import { proxyBackendSocket } from './ws-proxy.js'

const notStartedByTaupy =
  'taupy: start the dev server with `npm run dev`: it starts the backend beside Vite and tells ' +
  'Vite where it is (TAUPY_BACKEND_PORT) and the per-launch secret (TAUPY_SECRET).'

export function taupy(): Plugin[] {
  let backend: DevBackend | undefined
  const devServer: Plugin = {
    name: 'taupy:dev-server',
    apply: 'serve',
    config(_config, { isPreview }) {
      if (isPreview) return
      backend = readDevBackend()
      if (!backend) throw new Error(notStartedByTaupy)
      return {
        server: {
          host: loopback,
          strictPort: true,
          open: false,
          // Only our own address; the guard below is stricter still (exact host and port).
          allowedHosts: [],
        },
      }
    },
    configureServer(server) {
      if (!backend) return
      const vitePort = server.config.server.port ?? 5173
      const csp = contentSecurityPolicy(`${loopback}:${vitePort}`)
      const guard = devGuard(backend, vitePort)
      // The page's /ws goes to the backend, waiting quietly while it restarts (ws-proxy.ts).
      server.httpServer?.on('upgrade', proxyBackendSocket(backend.backendPort))
      // Added here, before Vite's own middlewares: nothing is served before the checks pass.
      server.middlewares.use((request, response, next) => {
        response.setHeader('content-security-policy', csp)
        guard(request, response, next)
      })
    },
  }
  return [devServer, inlineScriptsAsModules(), serverOnlyModules()]
}
