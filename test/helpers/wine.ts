// wine64 for the Windows tests (launcher, packaged .exe): one private prefix per test file,
// registry edits that are finished before the next step starts, and a clean stop.
// Why: a shared prefix and a wine server still busy with the previous step made a clean-clone
// `npm test` fail once at `wine reg add` (the prefix was being set up by another process).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export const wine64 = process.env.WINE64 ?? '/usr/lib/wine/wine64'
export const wineserver = join(dirname(wine64), 'wineserver')
export const haveWine = process.platform === 'linux' && existsSync(wine64) && existsSync(wineserver)

export interface WinePrefix {
  /** The prefix folder (a fresh temp dir). */
  dir: string
  /** What every wine process of this prefix needs on top of process.env: WINEPREFIX, a quiet
   * WINEDEBUG, and no Mono/Gecko (their installers would open dialogs during wineboot). */
  vars: Record<string, string>
  /** process.env + vars. */
  env: NodeJS.ProcessEnv
}

function described(what: string, r: SpawnSyncReturns<string>): string {
  const how = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${r.status}`
  return `${what} failed (${how})\n${r.stderr ?? ''}${r.stdout ?? ''}`
}

/** A new, empty prefix for one test file; wine creates its content in `boot`. */
export function createPrefix(label: string): WinePrefix {
  const dir = mkdtempSync(join(tmpdir(), `taupy-wine-${label}-`))
  const vars = { WINEPREFIX: dir, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' }
  return { dir, vars, env: { ...process.env, ...vars } }
}

/** Waits until every process of the prefix has ended and its wine server has saved and exited. */
export function settle(prefix: WinePrefix, timeoutMs = 120_000): void {
  const r = spawnSync(wineserver, ['-w'], { env: prefix.env, timeout: timeoutMs, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(described(`wineserver -w (WINEPREFIX=${prefix.dir})`, r))
}

/** Runs a wine program to completion and throws with its output when it fails. */
export function run(prefix: WinePrefix, args: string[], timeoutMs = 180_000): string {
  const r = spawnSync(wine64, args, { env: prefix.env, timeout: timeoutMs, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(described(`wine ${args.join(' ')}`, r))
  return r.stdout
}

/** Creates the prefix's Windows (registry, C:\users\…) and waits for wineboot's helpers to end. */
export function boot(prefix: WinePrefix): void {
  run(prefix, ['wineboot', '-i'], 300_000)
  settle(prefix)
}

/**
 * Registry changes from a .reg text (REGEDIT4 syntax, without the header), then `settle`: the
 * next wine process reads a registry the server has already written.
 */
export function regImport(prefix: WinePrefix, body: string): void {
  const file = join(prefix.dir, `taupy-${process.pid}-${Date.now()}.reg`)
  writeFileSync(file, `REGEDIT4\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`)
  try {
    run(prefix, ['reg', 'import', windowsPath(file)])
  } finally {
    rmSync(file, { force: true })
  }
  settle(prefix)
}

/** `wine reg …` (add, delete, query), then `settle`. */
export function reg(prefix: WinePrefix, args: string[]): string {
  const out = run(prefix, ['reg', ...args])
  settle(prefix)
  return out
}

/** Deletes a key if it is there (reg delete fails on a missing key). */
export function regDeleteIfPresent(prefix: WinePrefix, key: string): void {
  const r = spawnSync(wine64, ['reg', 'query', key], { env: prefix.env, timeout: 180_000, encoding: 'utf8' })
  if (r.status === 0) reg(prefix, ['delete', key, '/f'])
  else settle(prefix)
}

/** A .reg string literal: backslashes and quotes escaped. */
export function regString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** A Linux path as wine's Z: drive shows it. */
export function windowsPath(linuxPath: string): string {
  return `Z:${linuxPath.replace(/\//g, '\\')}`
}

/** The Linux folder behind the prefix user's %LOCALAPPDATA% (wine names the user after $USER). */
export function localAppData(prefix: WinePrefix): string {
  const user = process.env.USER ?? spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim()
  return join(prefix.dir, 'drive_c', 'users', user, 'AppData', 'Local')
}

/** Ends whatever still runs in the prefix and deletes it. */
export function removePrefix(prefix: WinePrefix): void {
  spawnSync(wineserver, ['-k'], { env: prefix.env, timeout: 30_000, stdio: 'ignore' })
  spawnSync(wineserver, ['-w'], { env: prefix.env, timeout: 30_000, stdio: 'ignore' })
  rmSync(prefix.dir, { recursive: true, force: true })
}
