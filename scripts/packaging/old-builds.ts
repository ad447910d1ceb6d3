// caxa extracts every build of an app to <temp>/caxa/applications/<app>/<build id>/<attempt>/
// and never removes one, so each update would leave ~100 MB behind in the temp folder. The
// running build marks itself in use and removes the other builds of the same app that no
// live process marks and that nothing has touched for a while (one may be extracting now).
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { isAlive } from './parent-watch.js'

const marks = '.taupy-running'
const quietMs = 10 * 60 * 1000

/** Marks `extracted` (this build's folder) as in use by this process until it exits. */
export function markInUse(extracted: string): void {
  const file = join(extracted, marks, String(process.pid))
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, '')
  process.once('exit', () => rmSync(file, { force: true }))
}

function inUse(build: string): boolean {
  for (const attempt of readdirSync(build)) {
    let pids: string[] = []
    try {
      pids = readdirSync(join(build, attempt, marks))
    } catch {} // never marked
    if (pids.some((pid) => isAlive(Number(pid)))) return true
  }
  return Date.now() - statSync(build).mtimeMs < quietMs
}

/** Removes the app's other extracted builds; failures (a file still open on Windows) wait for next time. */
export async function removeOldBuilds(extracted: string): Promise<string[]> {
  const build = dirname(extracted)
  const appFolder = dirname(build)
  const removed: string[] = []
  // Only ever inside caxa's own layout, whatever folder this file was started from.
  const caxaLayout = /^\d+$/.test(basename(extracted)) && basename(dirname(appFolder)) === 'applications' && basename(dirname(dirname(appFolder))) === 'caxa'
  if (!caxaLayout) return removed
  for (const other of readdirSync(appFolder)) {
    if (other === basename(build)) continue
    const path = join(appFolder, other)
    try {
      if (inUse(path)) continue
      await rm(path, { recursive: true, force: true, maxRetries: 2 })
      removed.push(path)
    } catch {}
  }
  return removed
}
