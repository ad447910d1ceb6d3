// Running a packaged file the way a user does, each run with its own cache (XDG_CACHE_HOME and
// HOME in a temp folder) so the real per-user cache is never touched.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { waitForReady } from '../../scripts/cli/processes.js'
import { tempDir } from './cli.js'
import { eventually, processesMentioning } from './processes.js'

export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))

/** A fresh home whose cache root (`<home>/.cache`, also XDG_CACHE_HOME) is the launcher's. */
export function freshHome(prefix = 'taupy-home-'): { home: string; cache: string; env: NodeJS.ProcessEnv } {
  const home = tempDir(prefix)
  const cache = join(home, '.cache')
  mkdirSync(cache, { mode: 0o700 })
  return { home, cache, env: { ...process.env, HOME: home, XDG_CACHE_HOME: cache } }
}

export interface Running {
  child: ChildProcess
  url: string
  /** spawn → ready line. */
  ms: number
  stderr(): string
  stop(): Promise<void>
}

/** Starts `file --no-window`; resolves at its ready line (rejects, with its stderr, if it exits first). */
export async function startNoWindow(file: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Running> {
  const started = performance.now()
  const child = spawn(file, ['--no-window', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  // A start that hangs (a lock never granted) fails here, with its stderr, instead of hanging the file.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  try {
    const url = await waitForReady(child, () => {})
    clearTimeout(timer)
    const ms = performance.now() - started
    return {
      child,
      url,
      ms,
      stderr: () => stderr,
      stop: async () => {
        child.kill('SIGTERM')
        await exited(child)
      },
    }
  } catch (error) {
    clearTimeout(timer)
    await exited(child)
    throw new Error(`${(error as Error).message}; stderr:\n${stderr}`)
  }
}

/** Runs `file --no-window` expecting a refusal: its exit code and stderr (never a ready line). */
export async function refusal(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(file, ['--no-window'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let stdout = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited(child)
  clearTimeout(timer)
  return { code: child.exitCode, stderr, stdout }
}

/** Every file under `dir` (relative path → size, mtime, inode), leaving out what may change by design. */
export function snapshot(dir: string, skip: RegExp = /(^|\/)\.compile-cache(\/|$)/): Map<string, string> {
  const files = new Map<string, string>()
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    const rel = relative(dir, path)
    if (skip.test(rel) || entry.isDirectory()) continue
    const stat = statSync(path)
    files.set(rel, `${stat.size} ${stat.mtimeMs} ${stat.ino}`)
  }
  return files
}

/** Waits until no process mentions `text`; their command lines when some are left. */
export async function nothingLeft(text: string, ms = 5_000): Promise<string> {
  return (await eventually(() => processesMentioning(text).length === 0, ms)) ? '' : processesMentioning(text).join('\n')
}
