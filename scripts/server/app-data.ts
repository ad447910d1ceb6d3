// Where an app keeps what must survive: the user's files, settings, databases. Never next to
// the code: a packaged app runs from caxa's extraction folder in the temp directory, which is
// new for every build and may be wiped by the OS. This is the per-user app data directory
// each OS documents, with a folder named after the app:
//   Linux    $XDG_DATA_HOME/<app>, default ~/.local/share/<app> (XDG Base Directory spec)
//   Windows  %APPDATA%\<app> (the roaming profile, as Electron's app.getPath('userData'))
//   macOS    ~/Library/Application Support/<app>
// TAUPY_DATA_DIR overrides it (tests, portable installs).
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'

/** Characters no OS allows in a folder name, and names Windows reserves. */
function folderName(appName: string): string {
  // oxlint-disable-next-line no-control-regex -- control characters are exactly what must go
  const cleaned = appName.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '-').replace(/[. ]+$/, '').trim()
  if (!cleaned || /^(con|prn|aux|nul|com\d|lpt\d)$/i.test(cleaned)) throw new Error(`"${appName}" cannot name a folder`)
  return cleaned
}

/** The OS's per-user data directory, before the app's own folder. */
export function userDataRoot(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support')
  // The XDG spec says to ignore a relative XDG_DATA_HOME.
  const xdg = env.XDG_DATA_HOME
  return xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share')
}

/**
 * The app's data folder, created on first use. The default name is the productName that
 * `taupy build` bakes into the backend as TAUPY_APP_NAME.
 */
export function appDataDir(appName = process.env.TAUPY_APP_NAME ?? 'taupy-app'): string {
  const dir = process.env.TAUPY_DATA_DIR || join(userDataRoot(), folderName(appName))
  mkdirSync(dir, { recursive: true })
  return dir
}
