// The per-user app data directory: where each OS documents it, and never in a temp folder.
import assert from 'node:assert/strict'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { appDataDir, userDataRoot } from '../scripts/server/app-data.js'
import { tempDir } from './helpers/cli.js'

test('each OS has its documented per-user data root', () => {
  assert.equal(userDataRoot('linux', {}, '/home/ada'), '/home/ada/.local/share')
  assert.equal(userDataRoot('linux', { XDG_DATA_HOME: '/data/ada' }, '/home/ada'), '/data/ada')
  assert.equal(userDataRoot('linux', { XDG_DATA_HOME: 'relative/ignored' }, '/home/ada'), '/home/ada/.local/share')
  assert.equal(userDataRoot('darwin', {}, '/Users/ada'), '/Users/ada/Library/Application Support')
  assert.equal(userDataRoot('win32', { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'C:\\Users\\ada'), 'C:\\Users\\ada\\AppData\\Roaming')
})

test('appDataDir makes <root>/<app name> and refuses names that cannot be folders', () => {
  const home = tempDir('taupy-appdata-')
  const saved = { xdg: process.env.XDG_DATA_HOME, override: process.env.TAUPY_DATA_DIR }
  process.env.XDG_DATA_HOME = home
  delete process.env.TAUPY_DATA_DIR
  try {
    if (process.platform === 'linux') {
      const dir = appDataDir('My App: Notes')
      assert.equal(dir, join(home, 'My App- Notes'))
      assert.ok(existsSync(dir))
    }
    assert.throws(() => appDataDir('CON'), /cannot name a folder/)
    assert.throws(() => appDataDir('...'), /cannot name a folder/)
    process.env.TAUPY_DATA_DIR = join(home, 'portable')
    assert.equal(appDataDir('Anything'), join(home, 'portable'))
  } finally {
    for (const [name, value] of [['XDG_DATA_HOME', saved.xdg], ['TAUPY_DATA_DIR', saved.override]] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    rmSync(home, { recursive: true, force: true })
  }
})
