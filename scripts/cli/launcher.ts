// Finds the prebuilt native launcher for this OS, shipped in taupy/launcher/<platform>-<arch>/.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AppConfig } from './config.js'

export function findLauncher(appDir: string, platform = `${process.platform}-${process.arch}`): string | undefined {
  const file = join(appDir, 'taupy', 'launcher', platform, platform.startsWith('win32') ? 'taupy-launcher.exe' : 'taupy-launcher')
  return existsSync(file) ? file : undefined
}

/**
 * The app's id for the launcher (`--app-id`): its package name as a folder name (`@scope/name`
 * → `scope.name`). It names the webview's storage folder and picks the backend's stable port.
 */
export function appId(config: AppConfig): string {
  const id = config.name.replace(/^@/, '').replace(/\//g, '.').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '').slice(0, 128)
  return id || 'taupy-app'
}

/** Launcher options from package.json: the title, the app id and the window's size. */
export function launcherArgs(config: AppConfig): string[] {
  const args = ['--title', config.productName, '--app-id', appId(config)]
  const { width, height, minWidth, minHeight } = config.window
  if (width && height) args.push('--size', `${width}x${height}`)
  if (minWidth && minHeight) args.push('--min-size', `${minWidth}x${minHeight}`)
  return args
}

/** Whether a window can be shown at all: Linux without X11 or Wayland (SSH, CI) cannot. */
export function hasDisplay(): boolean {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
}

export const noDisplayNote =
  'no display (DISPLAY and WAYLAND_DISPLAY are unset): running the backend alone; open the URL of its ready line in a browser'
