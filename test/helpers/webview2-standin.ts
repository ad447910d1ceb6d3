// The stand-in WebView2 runtime for the Windows launcher tests under wine
// (test/fixtures/launcher/fake-webview2.c): built with mingw-w64 gcc, and "installed" the way the
// runtime's installer leaves EdgeUpdate's registry, so the launcher's loader finds it as it would
// find the real one. One source for launcher-windows.test.ts and launcher-windows-hosted.test.ts.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fixtureDir } from '../fixtures/launcher/harness.js'
import { regImport, regString, windowsPath, type WinePrefix } from './wine.js'

export const channels = {
  stable: '{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}',
  canary: '{65C35B14-6C1D-4122-AC46-7148CC9D6497}',
}
export const hives = {
  HKLM32: 'HKEY_LOCAL_MACHINE\\Software\\Wow6432Node\\Microsoft\\EdgeUpdate',
  HKLM: 'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\EdgeUpdate',
  HKCU: 'HKEY_CURRENT_USER\\Software\\Microsoft\\EdgeUpdate',
}
export type Install = { hive: keyof typeof hives; channel: keyof typeof channels; version: string; dll?: boolean }
export const standard: Install = { hive: 'HKCU', channel: 'stable', version: '120.0.2210.91' }

/** Compiles the stand-in runtime DLL to `dll`. */
export function buildStandIn(dll: string): void {
  const cc = spawnSync('x86_64-w64-mingw32-gcc', ['-shared', '-O1', '-Wall', '-o', dll, join(fixtureDir, 'fake-webview2.c'), '-lole32'], { encoding: 'utf8' })
  assert.equal(cc.status, 0, cc.stderr)
}

/** The version folder an install uses under `root` (the loader reads the version from its name). */
export function runtimeFolder(root: string, i: Install): string {
  return join(root, 'EdgeWebView', `${i.hive}-${i.channel}`, i.version)
}

/**
 * EdgeUpdate's registry as the runtime's installer leaves it, for exactly the `installs` given
 * (every other EdgeUpdate key removed), with the stand-in `dll` in each folder unless `dll: false`.
 */
export function installRuntimes(prefix: WinePrefix, dll: string, root: string, installs: Install[]): void {
  const lines = Object.values(hives).map((h) => `[-${h}]`)
  for (const i of installs) {
    const folder = runtimeFolder(root, i)
    const target = join(folder, 'EBWebView', 'x64', 'EmbeddedBrowserWebView.dll')
    mkdirSync(dirname(target), { recursive: true })
    if (i.dll !== false) copyFileSync(dll, target)
    lines.push(`[${hives[i.hive]}\\Clients\\${channels[i.channel]}]`, `"pv"=${regString(i.version)}`)
    lines.push(`[${hives[i.hive]}\\ClientState\\${channels[i.channel]}]`, `"EBWebView"=${regString(windowsPath(folder))}`)
  }
  regImport(prefix, lines.join('\n'))
}
