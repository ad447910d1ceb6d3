// Small measuring tools shared by the benchmarks.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { waitForReady } from '../scripts/cli/processes.js'

export const median = (values: readonly number[]): number => percentile(values, 50)

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** Wall time of a command run to completion, in ms. */
export function timeCommand(command: string[], cwd: string): number {
  const started = performance.now()
  const result = spawnSync(command[0]!, command.slice(1), { cwd, stdio: 'ignore' })
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed with ${result.status}`)
  return performance.now() - started
}

/** Resident memory of a process (Linux), in MB. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) / 1024 : NaN
}

export interface Started {
  ms: number
  url: string
  pid: number
  stop(): Promise<void>
}

/** Starts a server process and times spawn → its ready line. */
export async function timeToReady(command: string[], cwd: string): Promise<Started> {
  const started = performance.now()
  const child = spawn(command[0]!, command.slice(1), { cwd, stdio: ['pipe', 'pipe', 'inherit'] })
  const url = await waitForReady(child, () => {})
  const ms = performance.now() - started
  return {
    ms,
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}
