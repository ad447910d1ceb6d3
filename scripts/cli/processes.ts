// Child processes the tooling starts: tools from the app's node_modules/.bin, and the backend.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { unframeLine } from '../ipc/framing.js'
import { readLines } from '../ipc/lines.js'
import { MAX_LINE_BYTES } from '../ipc/protocol.js'

export function binPath(appDir: string, tool: string): string {
  const bin = join(appDir, 'node_modules', '.bin', process.platform === 'win32' ? `${tool}.cmd` : tool)
  if (!existsSync(bin)) throw new Error(`${tool} is not installed here; run npm install first`)
  return bin
}

/** Runs a tool to completion with inherited output; rejects on a non-zero exit. */
export function runTool(appDir: string, tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binPath(appDir, tool), args, {
      cwd: appDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      shell: process.platform === 'win32',
    })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} ${args.join(' ')} exited with code ${code}`))))
  })
}

/**
 * Resolves with the URL of the backend's ready line; rejects if it exits first. With `token`
 * (the backend got it as TAUPY_IPC_TOKEN) only a line framed with it counts: a ready line that
 * app code prints cannot send the browser elsewhere. Other lines go to `onOtherLine` (`framed`:
 * a protocol line, given without its token).
 */
export function waitForReady(child: ChildProcess, onOtherLine: (line: string, framed: boolean) => void, token?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let ready = false
    if (child.stdout) {
      readLines(child.stdout, MAX_LINE_BYTES, {
        line: (line) => {
          const json = unframeLine(line, token)
          if (!ready && json?.startsWith('{"type":"ready"')) {
            ready = true
            resolve((JSON.parse(json) as { url: string }).url)
          } else if (json !== undefined) onOtherLine(json, Boolean(token))
          else if (line !== '') onOtherLine(line, false)
        },
        tooLong: (bytes) => onOtherLine(`[a line of ${bytes} bytes, not shown]`, false),
      })
    }
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`the backend exited with code ${code} before it was ready`))
    })
  })
}

/** Opens a URL in the system browser. */
export function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
        : ['xdg-open', [url]]
  const child = spawn(command, args, { stdio: 'ignore', detached: true })
  child.on('error', () => console.error(`taupy: could not open a browser; open ${url} yourself`))
  child.unref()
}
