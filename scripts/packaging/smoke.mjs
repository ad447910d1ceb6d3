#!/usr/bin/env node
// CI smoke test of a packaged file: `node taupy/packaging/smoke.mjs dist/package/<file>` runs
// it with --no-window, waits for its ready line, asks its URL for the page (the one-time secret
// answers with a redirect that sets the session cookie), then stops it. Plain JavaScript, so
// it runs before and without any build.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

const file = process.argv[2]
if (!file) {
  console.error('usage: node taupy/packaging/smoke.mjs <packaged file>')
  process.exit(2)
}
const child = spawn(resolve(file), ['--no-window'], { stdio: ['ignore', 'pipe', 'inherit'] })
const timeout = setTimeout(() => fail('no ready line within 60 s'), 60_000)

function fail(message) {
  console.error(`smoke: ${message}`)
  child.kill()
  process.exit(1)
}

let buffered = ''
child.on('exit', (code) => fail(`the app exited (code ${code}) before it was ready`))
child.stdout.setEncoding('utf8').on('data', async (chunk) => {
  buffered += chunk
  const line = buffered.split('\n').find((candidate) => candidate.startsWith('{"type":"ready"'))
  if (!line) return
  clearTimeout(timeout)
  child.removeAllListeners('exit')
  const { url } = JSON.parse(line)
  const first = await fetch(url, { redirect: 'manual' })
  const cookie = first.headers.get('set-cookie')?.split(';')[0]
  const page = await fetch(new URL('/', url), { headers: cookie ? { cookie } : {} })
  child.kill()
  if (first.status !== 302 || page.status !== 200) fail(`unexpected answers: ${first.status}, then ${page.status}`)
  console.log(`smoke: ${file} served its page at ${new URL(url).origin}`)
  process.exit(0)
})
