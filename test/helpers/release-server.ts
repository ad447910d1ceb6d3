// A static host for update releases (what GitHub Releases or S3 would be), on 127.0.0.1: serves
// folders of `dist/release/` copies by name, answers Range requests (resumed downloads), counts
// the bytes it sent, and can be told to cut a file's download half-way or to serve altered bytes.
import Fastify from 'fastify'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ReleaseServer {
  base: string
  /** Bytes sent per requested path (`/<folder>/<file>`). */
  sent: Map<string, number>
  ranges: string[]
  /** Path → what to send instead of the file (a tampered payload, another manifest). */
  override: Map<string, Buffer>
  /** Paths whose next download is cut after half the file (then served normally). */
  cutOnce: Set<string>
  close(): Promise<void>
}

export async function releaseServer(root: string): Promise<ReleaseServer> {
  const fastify = Fastify()
  const sent = new Map<string, number>()
  const ranges: string[] = []
  const override = new Map<string, Buffer>()
  const cutOnce = new Set<string>()
  fastify.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0]!
    let body: Buffer
    try {
      body = override.get(path) ?? readFileSync(join(root, decodeURIComponent(path)))
    } catch {
      return reply.code(404).send('not found')
    }
    const range = /^bytes=(\d+)-$/.exec(String(request.headers.range ?? ''))
    if (range) {
      ranges.push(path)
      body = body.subarray(Number(range[1]))
      reply.code(206).header('content-range', `bytes ${range[1]}-${Number(range[1]) + body.length - 1}/*`)
    }
    if (cutOnce.delete(path)) {
      // Half of it, then the connection drops (a network cut).
      const half = body.subarray(0, Math.floor(body.length / 2))
      sent.set(path, (sent.get(path) ?? 0) + half.length)
      reply.hijack()
      reply.raw.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' })
      reply.raw.write(half, () => setTimeout(() => reply.raw.destroy(), 50))
      return
    }
    sent.set(path, (sent.get(path) ?? 0) + body.length)
    return reply.header('content-type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream').send(body)
  })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  const address = fastify.server.address() as { port: number }
  return { base: `http://127.0.0.1:${address.port}`, sent, ranges, override, cutOnce, close: () => fastify.close() }
}
