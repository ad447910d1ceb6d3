// Runs the built create-taupy CLI the way a user does, without a terminal on stdin.
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
export const cliBin = join(repoRoot, 'create-taupy/index.js')

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [cliBin, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export function tempDir(prefix = 'taupy-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * The environment of a user's shell, for commands run inside a generated app: without the outer
 * test runner's NODE_TEST_CONTEXT, under which the app's own `node --test` skips every file and
 * still exits 0.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _outerRunner, ...env } = process.env
  return { ...env, ...extra }
}
