// HTTP against a scaffolded, built widgets app (and a React app for the SPA fallback): path
// traversal in every spelling we know against the static files in dist/web, and the CSP on
// every HTML response the app can give. Requests are written byte for byte (raw-http.ts).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cookieValue } from '../scripts/server/security.js'
import { startApp, type RunningApp } from '../scripts/testing/app.js'
import { installedApp } from './helpers/apps.js'
import { rawRequest, type RawHttpResponse } from './fixtures/adversarial/raw-http.js'

/** Files planted outside dist/web (and one hidden inside): none may ever be served. */
function plantSecrets(appDir: string): string[] {
  const tokens: string[] = []
  const plant = (path: string): void => {
    const token = `SECRET-${randomBytes(12).toString('hex')}`
    tokens.push(token)
    writeFileSync(path, token)
  }
  plant(join(appDir, 'secret.txt'))
  plant(join(appDir, 'dist', 'secret.txt'))
  mkdirSync(join(appDir, 'dist', 'web'), { recursive: true })
  plant(join(appDir, 'dist', 'web', '.secret'))
  return tokens
}

const traversals = [
  '/../secret.txt', '/../../secret.txt', '/../server.mjs', '/assets/../../secret.txt',
  '/..%2fsecret.txt', '/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2f%2e%2e%2fsecret.txt', '/.%2e/secret.txt',
  '/..%252fsecret.txt', '/%252e%252e/secret.txt', '/%252e%252e%252fsecret.txt',
  '/..\\secret.txt', '/..\\..\\secret.txt', '/..%5csecret.txt', '/%5c..%5csecret.txt', '/assets\\..\\..\\secret.txt',
  '//etc/passwd', '/etc/passwd', '/%2fetc%2fpasswd', '/file:///etc/passwd', '/C:/Windows/win.ini', '/c:%5cwindows%5cwin.ini',
  '/..%00/secret.txt', '/%00../secret.txt', '/secret.txt%00.js', '/app.js%00', '/.secret', '/%2esecret', '/.secret%00',
  '/%c0%ae%c0%ae/secret.txt', '/%c0%af..%c0%afsecret.txt', '/%ef%bc%8e%ef%bc%8e/secret.txt', '/%e0%80%ae%e0%80%ae/secret.txt',
  '/....//secret.txt', '/..;/secret.txt', '/.../secret.txt', `/${'../'.repeat(40)}etc/passwd`, `/${'..%2f'.repeat(40)}etc/passwd`,
]

function assertNothingLeaked(response: RawHttpResponse, tokens: string[], target: string): void {
  const body = response.body.toString('latin1')
  for (const token of tokens) assert.ok(!body.includes(token), `${target} served a planted secret (status ${response.status})`)
  assert.ok(!/root:.*:0:0:/.test(body), `${target} served /etc/passwd`)
  assert.ok(!body.includes('TAUPY_APP_NAME') && !body.includes('mountWidgets'), `${target} served the backend bundle`)
}

function assertCspOnHtml(response: RawHttpResponse, target: string): void {
  const type = response.headers['content-type'] ?? ''
  const looksHtml = /^\s*<(!doctype|html)/i.test(response.body.toString('latin1'))
  if (!type.startsWith('text/html') && !looksHtml) return
  const csp = response.headers['content-security-policy'] ?? ''
  assert.match(csp, /script-src 'self'(;|$)/, `${target} (${response.status}) is HTML without a strict CSP`)
  assert.match(csp, /object-src 'none'/, target)
  assert.equal(response.headers['x-content-type-options'], 'nosniff', target)
}

function describeApp(template: 'widgets' | 'react', pages: string[]): void {
  describe(`a built ${template} app`, { timeout: 600_000 }, () => {
    let app: RunningApp
    let tokens: string[]
    let headers: Record<string, string>
    const get = (target: string, extra: Record<string, string> = {}) => rawRequest(app.origin, target, { ...headers, ...extra })

    before(async () => {
      const dir = installedApp(template)
      execFileSync(process.execPath, ['taupy/bin/taupy.mjs', 'build'], { cwd: dir, stdio: 'pipe', timeout: 240_000 })
      tokens = plantSecrets(dir)
      app = await startApp(dir)
      const host = new URL(app.origin).host
      headers = { Host: host, Cookie: `taupy_${new URL(app.origin).port}=${cookieValue(new URL(app.url).searchParams.get('taupy')!)}` }
    })
    after(() => app?.stop())

    test(`${traversals.length} traversal spellings × 2 Accept headers: nothing outside dist/web (or hidden) is served`, async (t) => {
      const statuses = new Map<number, number>()
      for (const target of traversals) {
        for (const accept of ['*/*', 'text/html']) {
          const response = await get(target, { Accept: accept })
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          assertNothingLeaked(response, tokens, target)
          assertCspOnHtml(response, target)
        }
      }
      // The same, to a client without the cookie: refused before any file is looked at (400
      // when Fastify cannot even decode the path).
      for (const target of traversals) {
        const response = await rawRequest(app.origin, target, { Host: headers.Host! })
        assert.ok([400, 403].includes(response.status), `${target}: ${response.status}`)
        assertNothingLeaked(response, tokens, target)
      }
      t.diagnostic(`statuses: ${[...statuses].map(([status, n]) => `${status}×${n}`).join(', ')}`)
      assert.equal((await get(pages[0]!)).status, 200, 'the app still serves')
    })

    test('every HTML response carries the CSP: pages, 404s, the redirect after the secret, errors', async () => {
      const secret = new URL(app.url).searchParams.get('taupy')!
      const seen: string[] = []
      const check = async (target: string, extra: Record<string, string> = {}, expectStatus?: number) => {
        const response = await get(target, extra)
        if (expectStatus !== undefined) assert.equal(response.status, expectStatus, target)
        assertCspOnHtml(response, target)
        seen.push(`${target} ${response.status} ${response.headers['content-type'] ?? '-'}`)
        return response
      }
      for (const page of pages) await check(page, { Accept: 'text/html' }, 200)
      const redirect = await rawRequest(app.origin, `/?taupy=${secret}`, { Host: headers.Host!, Accept: 'text/html' })
      assert.equal(redirect.status, 302)
      assertCspOnHtml(redirect, 'the redirect')
      assert.ok(redirect.body.length === 0 || (redirect.headers['content-security-policy'] ?? '') !== '', 'a redirect body comes with a CSP')
      await check('/no/such/page', { Accept: 'text/html' })
      await check('/no/such/file.js', { Accept: '*/*' })
      await check('/%', { Accept: 'text/html' })
      await check('/%E0%A4%A', { Accept: 'text/html' })
      await check('/ws', { Accept: 'text/html' })
      await check('/?x=' + 'a'.repeat(8000), { Accept: 'text/html' })
      const forbidden = await rawRequest(app.origin, '/', { Host: headers.Host!, Accept: 'text/html' })
      assert.equal(forbidden.status, 403)
      assert.match(forbidden.headers['content-type'] ?? '', /^text\/plain/, 'the refusal is text, never HTML')
      assert.ok(seen.length > 0)
    })
  })
}

describeApp('widgets', ['/', '/form'])
if (process.env.TAUPY_TEST_REACT !== '0') describeApp('react', ['/', '/about', '/deep/client/route'])
