// Finds a browser that is already installed (Chromium, Chrome or Edge) for end-to-end tests,
// instead of downloading one, and starts it with playwright-core.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

function candidates(): string[] {
  const fromEnv = [process.env.TAUPY_BROWSER, process.env.CHROME_PATH].filter((path): path is string => Boolean(path))
  if (process.platform === 'win32') {
    const roots = [process.env['PROGRAMFILES(X86)'], process.env.PROGRAMFILES, process.env.LOCALAPPDATA].filter(Boolean) as string[]
    return [
      ...fromEnv,
      ...roots.flatMap((root) => [
        join(root, 'Microsoft/Edge/Application/msedge.exe'),
        join(root, 'Google/Chrome/Application/chrome.exe'),
        join(root, 'Chromium/Application/chrome.exe'),
      ]),
    ]
  }
  if (process.platform === 'darwin') {
    return [
      ...fromEnv,
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ]
  }
  return [
    ...fromEnv,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/microsoft-edge',
    '/snap/bin/chromium',
  ]
}

export function findBrowser(): string {
  const found = candidates().find((path) => existsSync(path))
  if (found) return found
  const advice =
    process.platform === 'linux'
      ? 'install one (Debian/Ubuntu: sudo apt-get install chromium)'
      : 'install Google Chrome or Microsoft Edge'
  throw new Error(`No Chromium, Chrome or Edge found for the end-to-end tests: ${advice}, or set TAUPY_BROWSER to its path.`)
}

export function launchBrowser(): Promise<Browser> {
  const args = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  // Chromium refuses to start its sandbox as root (containers, CI).
  if (process.getuid?.() === 0) args.push('--no-sandbox')
  return chromium.launch({ executablePath: findBrowser(), headless: true, args })
}
