// Backend start-up and memory: a scaffolded widgets app's built backend (dist/server.mjs)
// against a bare Fastify "hello" server started the usual way (from node_modules) and the same
// hello bundled by esbuild as we bundle ours. Time is spawn → ready line; RSS after one page.
import { build } from 'esbuild'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { installedApp } from '../test/helpers/apps.js'
import { median, rssMb, timeToReady } from './measure.js'
import type { Bench } from './types.js'

const runs = 11

const hello = `import Fastify from 'fastify'
const app = Fastify()
app.get('/', async () => 'hello')
await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(JSON.stringify({ type: 'ready', url: 'http://127.0.0.1:' + app.server.address().port + '/' }) + '\\n')
`

async function measure(command: string[], cwd: string): Promise<{ ms: number; rss: number }> {
  const times: number[] = []
  const rss: number[] = []
  for (let i = 0; i < runs; i++) {
    const server = await timeToReady(command, cwd)
    times.push(server.ms)
    const response = await fetch(server.url, { redirect: 'manual' })
    const cookie = response.headers.get('set-cookie')?.split(';')[0]
    await (await fetch(new URL('/', server.url), { headers: cookie ? { cookie } : {} })).text()
    rss.push(rssMb(server.pid))
    await server.stop()
  }
  return { ms: median(times), rss: median(rss) }
}

const bench: Bench = async () => {
  const app = installedApp('widgets')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: app, stdio: 'inherit' })
  writeFileSync(join(app, 'hello.mjs'), hello)
  await build({ entryPoints: [join(app, 'hello.mjs')], outfile: join(app, 'dist/hello.bundled.mjs'), bundle: true, platform: 'node', format: 'esm', logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } })

  const ours = await measure([process.execPath, 'dist/server.mjs'], app)
  const bare = await measure([process.execPath, 'hello.mjs'], app)
  const bareBundled = await measure([process.execPath, 'dist/hello.bundled.mjs'], app)
  return [
    { group: 'backend', metric: 'widgets app: spawn → ready line', unit: 'ms', ours: ours.ms, baselineName: 'bare Fastify hello', baseline: bare.ms },
    { group: 'backend', metric: 'widgets app: spawn → ready line', unit: 'ms', ours: ours.ms, baselineName: 'bare Fastify hello, bundled', baseline: bareBundled.ms },
    { group: 'backend', metric: 'widgets app: RSS after one page', unit: 'MB', ours: ours.rss, baselineName: 'bare Fastify hello', baseline: bare.rss },
  ]
}
export default bench
