// Notices that the process which started this one is gone. caxa's stub passes no signal on
// (a SIGTERM or a crash ends the stub alone) and the native launcher can die without a word,
// so each packaged process watches its parent and winds down when it goes: no orphaned
// backend keeps a port, a file lock or the extraction folder busy.
import { isAlive } from '../server/lifeline.js'

/**
 * Calls `onGone` once when the parent has exited: on POSIX the kernel hands an orphan to
 * init (or a subreaper), so process.ppid changes; Windows keeps the old ppid, so we also ask
 * whether that process still exists. Polling twice a second costs nothing measurable.
 */
export function onParentExit(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent && isAlive(parent)) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
