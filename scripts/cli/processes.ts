// Child processes the tooling starts: tools from the app's node_modules, and the backend.
// Never through a shell: on Windows, node_modules/.bin/<tool>.cmd needs cmd.exe, which splits
// and re-parses the command line (a space in `C:\Program Files` or `C:\Users\First Last`
// breaks it, and `&` in a path runs what follows). A tool's bin is a JavaScript file, so we run
// it with this Node, its arguments passed as an array.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** `[node, <the package's bin script>]` for a tool installed in the app (package name = bin name). */
export function toolCommand(appDir: string, tool: string): [string, string] {
  const packageDir = join(appDir, 'node_modules', tool)
  const manifest = join(packageDir, 'package.json')
  if (!existsSync(manifest)) throw new Error(`${tool} is not installed here; run npm install first`)
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> }
  const script = typeof bin === 'string' ? bin : bin?.[tool]
  if (!script) throw new Error(`${tool} is installed but has no "${tool}" command (node_modules/${tool}/package.json "bin")`)
  return [process.execPath, join(packageDir, script)]
}

/** Runs a tool to completion with inherited output; rejects on a non-zero exit. */
export function runTool(appDir: string, tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const [node, script] = toolCommand(appDir, tool)
    const child = spawn(node, [script, ...args], {
      cwd: appDir,
      stdio: ['ignore', 'inherit', 'inherit'],
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
