// caxa (`taupy package --packer caxa`) extracts every build of an app to
// <temp>/caxa/applications/<app>/<build id>/<attempt>/ and never removes one, so each update
// would leave ~100 MB behind in the temp folder. The running build marks itself in use and
// removes the other builds of the same app that nothing uses.
//
// A start and a removal can meet: a build extracted long ago may be launched just as another
// copy decides it is unused. Both sides therefore write first and read second:
//   the starter marks `<attempt>/.taupy-running/<pid>`, then looks for a claim;
//   the remover claims `<build>/.taupy-removing` (exclusive create), then looks for marks and
//   for live processes whose executable lies in the build (Linux: a start not yet marked).
// Whoever comes second sees the first. A remover that sees a start backs off (drops its claim);
// a starter that sees a claim waits for the decision and, if its build is going, stops with a
// message instead of running from a folder being deleted. The build is renamed away before it
// is deleted, so a half-deleted folder is never mistaken for a build.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { basename, dirname, join, sep } from 'node:path'
import { isAlive } from '../server/lifeline.js'

const marks = '.taupy-running'
const claimName = '.taupy-removing'
/** A build touched this recently may be extracting right now. */
const quietMs = 10 * 60 * 1000

/**
 * Marks `extracted` (this build's attempt folder) as in use by this process until it exits.
 * Never recreates a vanished folder (mkdir is not recursive): a build removed under us throws.
 */
export function markInUse(extracted: string): void {
  const folder = join(extracted, marks)
  try {
    mkdirSync(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const file = join(folder, String(process.pid))
  writeFileSync(file, '')
  process.once('exit', () => rmSync(file, { force: true }))
}

const claimOf = (build: string): string => join(build, claimName)

/** The pid in a claim file, when the claim is held by a live process. */
function liveClaimer(build: string): number | undefined {
  try {
    const pid = Number(readFileSync(claimOf(build), 'utf8'))
    return pid > 0 && isAlive(pid) ? pid : undefined
  } catch {
    return undefined // no claim
  }
}

/**
 * The starter's half, right after markInUse: resolves `true` once no live remover claims this
 * build (at once, nearly always), `false` if the build was removed meanwhile.
 */
export async function survivesCleanup(extracted: string, timeoutMs = 10_000): Promise<boolean> {
  const build = dirname(extracted)
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 25))) {
    if (!existsSync(join(extracted, marks, String(process.pid)))) return false // renamed away or deleted
    if (liveClaimer(build) === undefined) return true
  }
  return existsSync(join(extracted, marks, String(process.pid)))
}

/** Live processes whose executable lies inside `build` (Linux; elsewhere none are seen). */
function runningFrom(build: string): boolean {
  if (process.platform !== 'linux') return false
  const prefix = build + sep
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`).startsWith(prefix)) return true
    } catch {} // gone, or someone else's
  }
  return false
}

function marked(build: string): boolean {
  for (const attempt of readdirSync(build)) {
    let pids: string[] = []
    try {
      pids = readdirSync(join(build, attempt, marks))
    } catch {} // never marked, or not an attempt folder
    if (pids.some((pid) => isAlive(Number(pid)))) return true
  }
  return false
}

/** Takes the claim on `build` (exclusive create); a dead remover's claim is taken over. */
function claim(build: string): boolean {
  const file = claimOf(build)
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || liveClaimer(build) !== undefined) return false
      rmSync(file, { force: true }) // left by a remover that died
    }
  }
  return false
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
    if (other === basename(build) || other.startsWith('.')) continue
    const path = join(appFolder, other)
    let claimed = false
    try {
      if (Date.now() - statSync(path).mtimeMs < quietMs) continue
      if (!(claimed = claim(path))) continue
      // Claimed first, looked second: a start that marks from now on sees the claim and waits.
      if (marked(path) || runningFrom(path)) continue
      const doomed = join(appFolder, `.removing-${other}-${process.pid}`)
      renameSync(path, doomed) // fails on Windows while a file in it is open: kept for next time
      claimed = false
      removed.push(path)
      await rm(doomed, { recursive: true, force: true, maxRetries: 2 })
    } catch {
    } finally {
      if (claimed) rmSync(claimOf(path), { force: true })
    }
  }
  // Leftovers of removals that were cut short.
  for (const other of readdirSync(appFolder)) {
    const pid = /^\.removing-.+-(\d+)$/.exec(other)?.[1]
    if (pid && !isAlive(Number(pid))) await rm(join(appFolder, other), { recursive: true, force: true, maxRetries: 2 }).catch(() => {})
  }
  return removed
}
