// Every template as a new user meets it: scaffold, npm install, the app's own npm test (which
// types-checks, builds and clicks through it in Chromium), then `npm start -- --no-window`:
// the page connects over /ws in Chromium and the same refusals hold as in the core.
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { waitForReady } from '../scripts/cli/processes.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { runCli, tempDir, userEnv } from './helpers/cli.js'
import { openSocket, rawGet } from './helpers/http.js'

const templates = ['widgets', 'react', 'lit']
let browser: Browser
before(async () => (browser = await launchBrowser()))
after(() => browser?.close())

for (const template of templates) {
  describe(`${template} app`, { timeout: 600_000 }, () => {
    const app = join(tempDir(`taupy-${template}-`), 'my-app')

    test('scaffolds and installs from the public registry', { timeout: 300_000 }, () => {
      const result = runCli([app, '--template', template], join(app, '..'))
      assert.equal(result.status, 0, result.stderr)
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit', timeout: 300_000 })
    })

    test('npm run lint finds nothing', () => {
      const output = execFileSync('npm', ['run', 'lint'], { cwd: app, encoding: 'utf8', timeout: 60_000 })
      assert.match(output, /Found 0 warnings and 0 errors/)
    })

    test('passes its own npm test', { timeout: 300_000 }, () => {
      const result = spawnSync('npm', ['test'], { cwd: app, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 })
      // On failure, the app's own report (which test, what it saw) is the message.
      assert.equal(result.status, 0, `npm test failed (${result.signal ?? `exit ${result.status}`}); its report:\n${result.stdout.slice(-6000)}`)
      assert.match(result.stdout, /[#ℹ] pass [1-9]\d*\n[#ℹ] fail 0\n/, `the app's end-to-end tests ran:\n${result.stdout}`)
    })

    test('npm start -- --no-window serves a page that connects over /ws, and refuses strangers', { timeout: 120_000 }, async () => {
      const child = spawn('npm', ['start', '--', '--no-window'], { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'inherit'] })
      try {
        const url = await waitForReady(child, () => {})
        const { origin, host } = new URL(url)
        const page = await browser.newPage()
        await page.goto(url)
        await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
        await page.close()

        assert.equal((await rawGet(origin, '/', { host })).status, 403, 'no secret')
        assert.equal((await rawGet(origin, url, { host: 'rebind.example' })).status, 403, 'foreign Host')
        const secret = new URL(url).searchParams.get('taupy')
        assert.equal(await openSocket(`ws://${host}/ws?taupy=${secret}`, { origin: 'http://evil.example' }), 403, 'cross-origin WebSocket')
      } finally {
        process.kill(-child.pid!, 'SIGTERM')
      }
    })
  })
}
