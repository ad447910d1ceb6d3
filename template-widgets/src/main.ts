// The app's backend: the whole UI is the widgets in src/pages, rendered here and patched live
// over /ws. The browser only runs the small widgets client (src/client.ts → dist/web/app.js).
import { fileURLToPath } from 'node:url'
import { createServer, serveStatic } from '../taupy/server/index.js'
import { mountWidgets } from '../taupy/widgets/index.js'
import { layout } from './components/layout.js'
import { saveNow } from './notes.js'
import { aboutPage } from './pages/about.js'
import { extrasPage } from './pages/extras.js'
import { formPage } from './pages/form.js'
import { homePage } from './pages/home.js'
import { appStyles } from './styles.js'

const server = await createServer()
await serveStatic(server.fastify, { root: fileURLToPath(new URL('./web', import.meta.url)) })
mountWidgets(server.fastify, {
  title: process.env.TAUPY_APP_NAME ?? 'Taupy App',
  routes: { '/': homePage, '/form': formPage, '/extras': extrasPage, '/about': aboutPage },
  layout,
  styles: appStyles,
})
// Window closed, SIGTERM or launcher gone: the note is saved before the process ends.
server.onShutdown(saveNow)
await server.listen()
