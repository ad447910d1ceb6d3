// Serves built UI files. Vite and our build put content-hashed files under /assets/, which
// never change under the same name: cache them for a year. HTML must always be revalidated.
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

export interface StaticOptions {
  root: string
  /** Single-page apps: unknown GET paths that accept HTML get index.html (client routing). */
  spaFallback?: boolean
}

export async function serveStatic(fastify: FastifyInstance, options: StaticOptions): Promise<void> {
  await fastify.register(fastifyStatic, {
    root: options.root,
    wildcard: true,
    index: 'index.html',
    // Hidden files in the build output are accidents (.env, .git, .DS_Store): never serve them.
    dotfiles: 'ignore',
    setHeaders(reply, path) {
      const hashed = /[\\/]assets[\\/]/.test(path)
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })
  if (options.spaFallback) {
    fastify.setNotFoundHandler((request, reply) => {
      const wantsHtml = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')
      if (!wantsHtml) return reply.code(404).send({ error: 'Not Found' })
      return reply.header('cache-control', 'no-cache').sendFile('index.html')
    })
  }
}
