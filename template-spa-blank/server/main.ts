// The app's backend: the state the UI watches, the calls it makes, and (when built) the UI itself.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createServer, serveStatic } from '../taupy/server/index.js'
import { createStore, serveApi } from '../taupy/sync/server.js'
import { api } from '../shared/api.js'

const server = await createServer()
const store = createStore(api, { counter: 0 })

serveApi(server.fastify, {
  api,
  store,
  calls: {
    increment: (by) => store.update('counter', (count) => count + by),
  },
})

// `npm run build` puts the UI beside this bundle; in dev, Vite serves it instead.
const webRoot = fileURLToPath(new URL('./web', import.meta.url))
if (existsSync(webRoot)) await serveStatic(server.fastify, { root: webRoot, spaFallback: true })

await server.listen()
