// The app's backend: serves the page and answers on /ws.
import { Type } from '@sinclair/typebox'
import { fileURLToPath } from 'node:url'
import { createServer, registerChannel, serveStatic } from '../taupy/server/index.js'

const title = process.env.TAUPY_APP_NAME ?? 'Taupy App'
const server = await createServer()

await serveStatic(server.fastify, { root: fileURLToPath(new URL('./web', import.meta.url)) })
server.fastify.get('/', (_request, reply) =>
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <script type="module" src="/app.js"></script>
  </head>
  <body>
    <h1>${title}</h1>
    <p>Backend: <output id="status">connecting…</output></p>
  </body>
</html>`),
)

registerChannel(server.fastify, {
  messages: Type.Object({ type: Type.Literal('ping'), ref: Type.Integer() }),
  connect(session) {
    session.send({ type: 'hello' })
    return { message: (message) => session.send({ type: 'pong', ref: message.ref }) }
  },
})

await server.listen()
