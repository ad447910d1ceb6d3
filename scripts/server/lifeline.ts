// Every process taupy starts ends with the one that started it, however that one ends: a
// SIGKILL passes nothing on, and npm does not pass SIGTERM to its script (an IDE's stop button
// ends npm alone). Three lifelines, each chosen by whoever starts the process:
//   - a pipe on stdin (TAUPY_LIFELINE=stdin): the parent's death closes it, even after SIGKILL;
//   - a process id to watch (TAUPY_WATCH_PID), for a process whose parent is not ours to change
//     (the native launcher sits between `taupy dev` and its supervisor);
//   - the parent itself, and under `npm run`, npm: the script's parent is then the shell npm
//     started it with, which outlives a killed npm.
// Both variables are read once and removed, so no grandchild inherits them.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export const lifelineEnv = { stdin: 'TAUPY_LIFELINE', watchPid: 'TAUPY_WATCH_PID' } as const

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still counts as alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Parent pid and command name of a process (Linux /proc, macOS ps); undefined elsewhere. */
function processInfo(pid: number): { ppid: number; name: string } | undefined {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      return { ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), name }
    }
    if (process.platform === 'darwin') {
      const [ppid, ...name] = execFileSync('ps', ['-o', 'ppid=,comm=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/)
      return { ppid: Number(ppid), name: name.join(' ').split('/').pop() ?? '' }
    }
  } catch {}
  return undefined
}

const shells = /^(sh|bash|dash|zsh|ash|ksh)$/

/** The processes whose end ends ours: the parent, the watched pid, and npm under `npm run`. */
export function lifelinePids(env: NodeJS.ProcessEnv = process.env): number[] {
  const pids = [process.ppid]
  const watched = Number(env[lifelineEnv.watchPid])
  delete env[lifelineEnv.watchPid]
  if (Number.isSafeInteger(watched) && watched > 0) pids.push(watched)
  if (env.npm_lifecycle_event) {
    const parent = processInfo(process.ppid)
    if (parent && shells.test(parent.name) && parent.ppid > 1) pids.push(parent.ppid)
  }
  return pids
}

/**
 * Calls `onGone` once when a lifeline is cut. Polls the pids every 200 ms (an orphan's ppid
 * changes on POSIX; Windows keeps it, so we also ask whether the process exists).
 */
export function onLifelineCut(onGone: () => void, options: { stdin?: boolean; intervalMs?: number } = {}): void {
  let called = false
  const once = (): void => {
    if (called) return
    called = true
    clearInterval(timer)
    onGone()
  }
  const parent = process.ppid
  const pids = lifelinePids()
  const timer = setInterval(() => {
    if (process.ppid !== parent || !pids.every(isAlive)) once()
  }, options.intervalMs ?? 200)
  timer.unref()
  const stdin = options.stdin ?? process.env[lifelineEnv.stdin] === 'stdin'
  delete process.env[lifelineEnv.stdin]
  if (stdin) {
    process.stdin.on('end', once).on('close', once).on('error', once)
    process.stdin.resume()
  }
}
