// The app's backend: the whole UI is the widgets in src/pages, rendered here and patched live
// over /ws. The browser only runs the small widgets client (src/client.ts → dist/web/app.js).
import { fileURLToPath } from 'node:url'
import { createServer, serveStatic } from '../taupy/server/index.js'
import { mountWidgets } from '../taupy/widgets/index.js'
import { homePage } from './pages/home.js'
import { appStyles } from './styles.js'

const server = await createServer()
await serveStatic(server.fastify, { root: fileURLToPath(new URL('./web', import.meta.url)) })
mountWidgets(server.fastify, {
  title: process.env.TAUPY_APP_NAME ?? 'Taupy App',
  routes: { '/': homePage },
  styles: appStyles,
})
await server.listen()
