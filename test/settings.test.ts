// App data as the quick start shows it: appDataDir() and settingsFile() from taupy/server, the
// file read over its defaults and written atomically, even with another process reading.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import * as server from '../scripts/server/index.js'
import { tempDir } from './helpers/cli.js'

test('taupy/server exports appDataDir and settingsFile, honouring TAUPY_DATA_DIR', () => {
  const dir = tempDir('taupy-data-')
  process.env.TAUPY_DATA_DIR = dir
  try {
    assert.equal(server.appDataDir(), dir)
    assert.equal(server.settingsFile({ theme: 'light' }).path, join(dir, 'settings.json'))
  } finally {
    delete process.env.TAUPY_DATA_DIR
  }
})

test('reads the defaults until the first write, then the saved values over them', () => {
  const dir = tempDir('taupy-data-')
  const settings = server.settingsFile({ theme: 'light', recent: [] as string[] }, { dir })
  assert.deepEqual(settings.read(), { theme: 'light', recent: [] })
  settings.read().recent.push('mutating a read must not change the defaults')
  settings.write({ theme: 'dark', recent: ['/notes'] })
  assert.deepEqual(server.settingsFile({ theme: 'light', recent: [] as string[], zoom: 1 }, { dir }).read(), {
    theme: 'dark',
    recent: ['/notes'],
    zoom: 1,
  })
  assert.deepEqual(readdirSync(dir), ['settings.json'], 'no temporary file is left behind')
})

test('a damaged file is a clear error, not silently replaced by the defaults', () => {
  const dir = tempDir('taupy-data-')
  writeFileSync(join(dir, 'settings.json'), '{"theme": "da')
  assert.throws(() => server.settingsFile({ theme: 'light' }, { dir }).read(), /settings\.json is not valid JSON .*delete it/)
})

test('a reader never sees half a write', { timeout: 30_000 }, async () => {
  const dir = tempDir('taupy-data-')
  const writer = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/settings-writer.ts'), dir], { stdio: 'inherit' })
  try {
    const path = join(dir, 'settings.json')
    let reads = 0
    const deadline = Date.now() + 1500
    while (Date.now() < deadline) {
      let text: string
      try {
        text = readFileSync(path, 'utf8')
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5))
        continue
      }
      assert.doesNotThrow(() => JSON.parse(text), `read ${reads} saw a partial file (${text.length} bytes)`)
      reads++
    }
    assert.ok(reads > 50, `only ${reads} reads`)
  } finally {
    writer.kill('SIGKILL')
  }
})
