// The Vite plugin of the React and Lit templates (vite.config.ts: `plugins: [react(), taupy()]`).
// In dev it puts Vite on the loopback port `taupy dev` chose, proxies /ws to the backend, and
// holds the dev server to the backend's rules: loopback Host, our Origin, the per-launch secret
// and the same Content-Security-Policy. `vite build` is left alone.
import type { Plugin } from 'vite'
import { contentSecurityPolicy } from '../server/security.js'
import { loopback, readDevEnvironment, type DevPorts } from './env.js'
import { devGuard } from './guard.js'
import { inlineScriptsAsModules } from './inline-scripts.js'

export { devEnvironment, devUrl, readDevEnvironment, type DevPorts } from './env.js'

const missingEnvironment =
  'taupy: start the dev server with `npm run dev`: it starts the backend beside Vite and passes ' +
  'TAUPY_PORT, TAUPY_VITE_PORT and TAUPY_SECRET to both.'

export function taupy(): Plugin[] {
  let ports: DevPorts | undefined
  const devServer: Plugin = {
    name: 'taupy:dev-server',
    apply: 'serve',
    config(_config, { isPreview }) {
      if (isPreview) return
      ports = readDevEnvironment()
      if (!ports) throw new Error(missingEnvironment)
      return {
        server: {
          host: loopback,
          port: ports.vitePort,
          strictPort: true,
          open: false,
          allowedHosts: [],
          // Host becomes the backend's own; the backend accepts the Vite origin via TAUPY_DEV_ORIGINS.
          proxy: { '/ws': { target: `http://${loopback}:${ports.backendPort}`, ws: true, changeOrigin: true } },
        },
      }
    },
    configureServer(server) {
      if (!ports) return
      const csp = contentSecurityPolicy(`${loopback}:${ports.vitePort}`)
      const guard = devGuard(ports)
      // Added here, before Vite's own middlewares: nothing is served before the checks pass.
      server.middlewares.use((request, response, next) => {
        response.setHeader('content-security-policy', csp)
        guard(request, response, next)
      })
    },
  }
  return [devServer, inlineScriptsAsModules()]
}
