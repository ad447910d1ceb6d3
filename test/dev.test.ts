// `npm run dev` as a developer lives it: save a backend file and the open page shows the new
// code by itself; save a broken file and the page shows the error; save a fix and it recovers.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer as createTcpServer } from 'node:net'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { waitForReady } from '../scripts/cli/processes.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'

let browser: Browser
let page: Page
let stopDev: () => void
let entry: string
let pageUrl: string

// A backend on the shared core whose page shows one word taken from the backend's code; the
// page runs only the shared client socket, which owns the dev-mode reload and error overlay.
const clientSource = "import { connectChannel } from '../taupy/client/socket.js'\nconnectChannel({ onMessage() {} })\n"
const backendSource = (word: string): string => `
import { Type } from '@sinclair/typebox'
import { fileURLToPath } from 'node:url'
import { createServer, registerChannel, serveStatic } from '../taupy/server/index.js'
const word = ${JSON.stringify(word)}
const server = await createServer()
await serveStatic(server.fastify, { root: fileURLToPath(new URL('./web', import.meta.url)) })
server.fastify.get('/', (_q, reply) => reply.type('text/html').send('<!doctype html><script type="module" src="/app.js"></script><h1 id="word">' + word + '</h1>'))
registerChannel(server.fastify, { messages: Type.Object({ type: Type.String() }), connect: () => ({ message() {} }) })
await server.listen()
`

before(async () => {
  const app = installedApp('widgets')
  const { taupy } = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'))
  entry = join(app, taupy.server)
  writeFileSync(entry, backendSource('first'))
  writeFileSync(join(app, taupy.client), clientSource)
  const child = spawn('npm', ['run', 'dev', '--', '--no-window'], { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
  stopDev = () => process.kill(-child.pid!, 'SIGTERM')
  const url = await waitForReady(child, () => {})
  pageUrl = url
  browser = await launchBrowser()
  page = await browser.newPage()
  await page.goto(url)
  await page.locator('#word', { hasText: 'first' }).waitFor()
})
after(async () => {
  await browser?.close()
  stopDev?.()
})

test('a saved backend change shows in the open page without a manual reload', async () => {
  writeFileSync(entry, backendSource('second'))
  await page.locator('#word', { hasText: 'second' }).waitFor({ timeout: 15_000 })
})

test('a save that breaks the backend shows its error; the next good save recovers', async () => {
  writeFileSync(entry, backendSource('third') + '\nthrow new Error("broken on purpose")\n')
  const overlay = page.locator('#taupy-dev-error')
  await overlay.getByText('broken on purpose').waitFor({ timeout: 15_000 })
  assert.match(await overlay.textContent() ?? '', /did not start/)
  writeFileSync(entry, backendSource('fourth'))
  await page.locator('#word', { hasText: 'fourth' }).waitFor({ timeout: 15_000 })
})

test('a page reloaded while the backend is broken shows the error and recovers by itself', async () => {
  writeFileSync(entry, backendSource('seventh') + '\nthrow new Error("still broken")\n')
  await page.locator('#taupy-dev-error').getByText('still broken').waitFor({ timeout: 15_000 })
  await page.reload()
  await page.getByText('still broken').waitFor()
  writeFileSync(entry, backendSource('eighth'))
  await page.locator('#word', { hasText: 'eighth' }).waitFor({ timeout: 15_000 })
})

test('a syntax error is reported the same way, with the file and line', async () => {
  writeFileSync(entry, backendSource('fifth') + '\nconst = ;\n')
  await page.locator('#taupy-dev-error').getByText(/main\.ts:\d+/).waitFor({ timeout: 15_000 })
  writeFileSync(entry, backendSource('sixth'))
  await page.locator('#word', { hasText: 'sixth' }).waitFor({ timeout: 15_000 })
})

test('the port is never free while the backend restarts: another local user cannot take it', async () => {
  // A squatter tries to bind the app's port every few milliseconds through a restart. Had the
  // port been freed between two backends, it would receive the page's requests and its secret.
  const port = Number(new URL(pageUrl).port)
  let taken = false
  let attempts = 0
  let trying = true
  const squat = async (): Promise<void> => {
    while (trying) {
      attempts += 1
      const server = createTcpServer()
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false))
        server.listen(port, '127.0.0.1', () => resolve(true))
      })
      if (bound) {
        taken = true
        await new Promise((resolve) => server.close(resolve))
      }
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  const squatting = squat()
  writeFileSync(entry, backendSource('ninth'))
  await page.locator('#word', { hasText: 'ninth' }).waitFor({ timeout: 15_000 })
  trying = false
  await squatting
  assert.ok(attempts > 20, `only ${attempts} attempts`)
  assert.equal(taken, false, 'another process bound the app port during the restart')
})
