// Looking for processes left behind, for tests that must prove nothing outlives the app.
import { readdirSync, readFileSync } from 'node:fs'

/** Processes whose command line mentions `text` (Linux /proc). */
export function processesMentioning(text: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`)
    } catch {} // it ended while we looked
  }
  return found
}

/** A process's command line, arguments joined by spaces ('' once it ended). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
  } catch {
    return '' // it ended
  }
}

/**
 * Processes still alive in a process group (Linux /proc; zombies count as ended). Not counted:
 * the D-Bus session bus GLib starts for the X display when none runs (`dbus-launch
 * --autolaunch`, from WebKitGTK): it belongs to the display, not to the app, and is meant to
 * outlive it.
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid && !/^dbus-(launch|daemon) /.test(commandLine(Number(entry)))) members.push(Number(entry))
    } catch {} // it ended while we looked
  }
  return members
}

/** Polls `check` every 100 ms for up to `ms`; its last answer is the result. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (check()) return true
  }
  return check()
}
