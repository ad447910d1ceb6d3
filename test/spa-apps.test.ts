// The React and Lit templates as a user changes them: scaffolded, installed, then edited and
// built with the app's own tooling (`taupy build`), the way `npm run build` and `npm test` do;
// and the built React demo with this test standing in for the launcher, to hold a dialog open.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { startApp } from '../scripts/testing/app.js'
import { launchBrowser } from '../scripts/testing/browser.js'
import { defaultCallTimeoutMs } from '../scripts/sync/errors.js'
import { installedApp } from './helpers/apps.js'

function taupyBuild(app: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['taupy/bin/taupy.mjs', 'build'], { cwd: app, encoding: 'utf8', timeout: 240_000 })
  return { status: result.status, output: result.stdout + result.stderr }
}

const webAssets = (app: string): string =>
  readdirSync(join(app, 'dist/web/assets'))
    .filter((name) => name.endsWith('.js'))
    .map((name) => readFileSync(join(app, 'dist/web/assets', name), 'utf8'))
    .join('\n')

for (const template of ['react', 'lit']) {
  describe(`${template} app`, { timeout: 600_000 }, () => {
    const app = installedApp(template)
    const entry = join(app, template === 'react' ? 'src/main.tsx' : 'src/taupy-app.ts')

    test('the build keeps the packaged executables in dist/package and replaces only what it makes', () => {
      const packaged = join(app, 'dist/package', template === 'react' ? 'my-app-linux-x64' : 'my-app-win32-x64.exe')
      mkdirSync(join(app, 'dist/package'), { recursive: true })
      writeFileSync(packaged, 'a packaged app')
      mkdirSync(join(app, 'dist/web'), { recursive: true })
      writeFileSync(join(app, 'dist/web/stale.js'), 'from an older build')
      const { status, output } = taupyBuild(app)
      assert.equal(status, 0, output)
      assert.equal(readFileSync(packaged, 'utf8'), 'a packaged app', 'dist/package survives a build')
      assert.ok(!existsSync(join(app, 'dist/web/stale.js')), 'an older build is replaced')
      assert.ok(existsSync(join(app, 'dist/server.mjs')))
    })

    test('TypeBox stays out of the browser bundle; a UI value import from shared/api.ts fails the build, naming the chain', () => {
      if (!existsSync(join(app, 'dist/web/assets'))) assert.equal(taupyBuild(app).status, 0)
      assert.doesNotMatch(webAssets(app), /TypeBox/, 'the template bundle has no schemas')
      assert.match(webAssets(app), /maxlength/i, 'the UI uses the shared constants')

      const original = readFileSync(entry, 'utf8')
      writeFileSync(entry, `import { api } from '../shared/api.ts'\nconsole.log(api.calls)\n${original}`)
      try {
        const { status, output } = taupyBuild(app)
        assert.notEqual(status, 0, 'the build refuses')
        const shown = template === 'react' ? 'src/main.tsx' : 'src/taupy-app.ts'
        assert.match(output, new RegExp(`taupy: ${shown} → shared/api\\.ts imports @sinclair/typebox`))
        assert.match(output, /shared\/constants\.ts/, 'and says where shared values go')
      } finally {
        writeFileSync(entry, original)
      }
    })
  })
}

describe('a call behind a native dialog (the React demo, with the stand-in window)', { timeout: 120_000 }, () => {
  test('Export… waits while the save dialog stays open longer than the call timeout, then reports the saved file', async () => {
    const app = installedApp('react')
    assert.equal(taupyBuild(app).status, 0)
    // The stand-in window (taupy/testing/window.ts) keeps the save dialog open until `close` is called.
    let close!: (path: string) => void
    const picked = new Promise<string>((resolve) => (close = resolve))
    const running = await startApp(app, { window: { dialogs: { saveFile: () => picked } } })
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage()
      await page.goto(running.url)
      await page.locator('#status', { hasText: 'connected' }).waitFor()
      await page.getByLabel('New todo').fill('Keep me')
      await page.getByRole('button', { name: 'Add', exact: true }).click()
      await page.getByText('Keep me', { exact: true }).waitFor()

      await page.getByRole('button', { name: 'Export…' }).click()
      await running.window.waitFor('save_file_dialog', () => true, 10_000)
      // The user takes longer than the call timeout to pick a file.
      await new Promise((resolve) => setTimeout(resolve, defaultCallTimeoutMs + 2000))
      assert.equal(await page.getByRole('alert').count(), 0, 'no failure shown while the dialog is open')
      const target = join(running.dataDir, 'exported-todos.json')
      close(target)

      await page.getByText(`Saved to ${target}`).waitFor()
      assert.deepEqual((JSON.parse(readFileSync(target, 'utf8')) as { text: string }[]).map((todo) => todo.text), ['Keep me'])
      assert.equal(await page.getByRole('alert').count(), 0)
    } finally {
      await browser.close()
      await running.stop()
    }
  })
})
