// Child processes the tooling starts: tools from the app's node_modules/.bin, and the backend.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

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

export interface Ready {
  /** The app's URL with the per-launch secret (for the launcher). */
  url: string
  /** A one-time URL for a browser: safe on a command line (docs/security.md). */
  openUrl?: string
}

/** Resolves with the URL of the backend's ready line; rejects if it exits first. */
export function waitForReady(child: ChildProcess, onOtherLine: (line: string) => void): Promise<string> {
  return waitForReadyMessage(child, onOtherLine).then((ready) => ready.url)
}

/** Resolves with the backend's ready line; rejects if it exits first. */
export function waitForReadyMessage(child: ChildProcess, onOtherLine: (line: string) => void): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    let ready = false
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk
      let newline: number
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        if (!ready && line.startsWith('{"type":"ready"')) {
          ready = true
          const { url, openUrl } = JSON.parse(line) as Ready
          resolve({ url, openUrl: typeof openUrl === 'string' ? openUrl : undefined })
        } else onOtherLine(line)
      }
    })
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
