// While the backend cannot run (a save broke the build, or it threw at start-up), the dev
// supervisor holds the backend's port with this stand-in: the page's socket reconnects to it,
// receives the error and shows it as an overlay; a reload shows it as a page. The same
// security rules apply, since it is built on the same core.
import { Type } from '@sinclair/typebox'
import { createServer, registerChannel, type TaupyServer } from '../server/index.js'

export interface DevErrorServer {
  close(): Promise<void>
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

// Signs in like scripts/client/socket.ts: the secret comes in the fragment, lives in sessionStorage.
const reloadWhenFixed = `const found = /(?:^#|&)taupy=([\\w-]+)/.exec(location.hash)
if (found) {
  sessionStorage.setItem('taupy', found[1])
  history.replaceState(history.state, '', location.pathname + location.search)
}
const connect = () => {
  const ws = new WebSocket('ws://' + location.host + '/ws?taupy=' + encodeURIComponent(sessionStorage.getItem('taupy') || ''))
  ws.onmessage = (event) => { if (JSON.parse(event.data).type === 'dev_hello') location.reload() }
  ws.onclose = () => setTimeout(connect, 300)
}
connect()
`

export interface DevErrorOptions {
  /** The public port (the supervisor's front door) and the private socket behind it. */
  port: number
  listenPath: string
  secret: string
  /** The Vite dev server's host and origin, whose proxied /ws the stand-in must accept too. */
  extraHosts: string[]
  extraOrigins: string[]
}

export async function serveDevError(options: DevErrorOptions, message: string): Promise<DevErrorServer> {
  const server: TaupyServer = await createServer(options)
  // The error page has no app code; this script reloads it once a good build answers.
  server.fastify.get('/__taupy/dev-error.js', (_request, reply) =>
    reply.type('text/javascript').header('cache-control', 'no-store').send(reloadWhenFixed),
  )
  server.fastify.get('/*', (_request, reply) =>
    reply
      .code(500)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(`<!doctype html><meta charset="utf-8"><title>Backend error</title>
<body style="font:14px/1.5 system-ui;margin:2rem"><h1>The backend did not start</h1>
<pre style="white-space:pre-wrap;background:#fee;padding:1rem;border-radius:6px">${escapeHtml(message)}</pre>
<p>Save a fix: the page reloads by itself.</p><script src="/__taupy/dev-error.js"></script></body>`),
  )
  registerChannel(server.fastify, {
    messages: Type.Object({ type: Type.String() }),
    connect(session) {
      session.send({ type: 'dev_error', message })
      return { message: () => {} }
    },
  })
  await server.listen({ standalone: false })
  return { close: () => server.fastify.close() }
}
