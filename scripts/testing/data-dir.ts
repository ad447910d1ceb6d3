// Tests never touch the developer's own app data: unless the caller names one, every app a
// test starts gets a fresh, empty data folder (TAUPY_DATA_DIR, which appDataDir() obeys),
// removed when the app stops.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestDataDir {
  /** The folder the app sees as appDataDir(). */
  dir: string
  /** The environment to start the app with: the caller's, with TAUPY_DATA_DIR set. */
  env: NodeJS.ProcessEnv
  /** Removes the folder if this helper made it. */
  remove(): void
}

export function testDataDir(env: NodeJS.ProcessEnv): TestDataDir {
  const given = env.TAUPY_DATA_DIR
  if (given) return { dir: given, env, remove() {} }
  const dir = mkdtempSync(join(tmpdir(), 'taupy-test-data-'))
  return { dir, env: { ...env, TAUPY_DATA_DIR: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
