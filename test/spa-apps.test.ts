// The React and Lit templates as a user changes them: scaffolded, installed, then edited and
// built with the app's own tooling (`taupy build`), the way `npm run build` and `npm test` do.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
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
