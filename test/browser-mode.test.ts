// `taupy start --browser` and `taupy dev --browser` as a user runs them, with the system browser
// replaced by a recorder on PATH (xdg-open): what reaches the browser's command line (readable
// by every local user in /proc/*/cmdline) is a one-time URL, never the secret; that URL signs
// a real Chromium in once, the page connects over /ws, and a second use is refused.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'
import { tempDir } from './helpers/cli.js'
import { rawGet } from './helpers/http.js'
import { eventually } from './helpers/processes.js'

let browser: Browser
let app: string
let reactApp: string
/** The React app in a folder a Windows user might have: spaces and `&` (item 6 of issue 13). */
function awkwardReactApp(): string {
  const dir = join(tempDir('taupy-awkward-'), 'First Last & Co', 'my app')
  cpSync(installedApp('react'), dir, { recursive: true, verbatimSymlinks: true })
  return dir
}
const bin = join(tempDir('taupy-open-'), 'bin')

before(async () => {
  app = installedApp('widgets')
  mkdirSync(bin, { recursive: true })
  // Records the arguments it was started with, as a browser's command line would show them.
  writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nprintf "%s\\n" "$@" >> "$TAUPY_TEST_OPENED"\n')
  chmodSync(join(bin, 'xdg-open'), 0o755)
  browser = await launchBrowser()
})
after(() => browser?.close())

async function openedInBrowser(command: 'start' | 'dev', dir = app): Promise<void> {
  const app = dir
  const opened = join(tempDir('taupy-opened-'), 'opened.txt')
  const child: ChildProcess = spawn(process.execPath, [join(app, 'taupy/bin/taupy.mjs'), command, '--browser'], {
    cwd: app,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DISPLAY: process.env.DISPLAY || ':99', TAUPY_TEST_OPENED: opened },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdout!.resume()
  try {
    assert.ok(await eventually(() => existsSync(opened), 60_000), `nothing was opened; stderr:\n${stderr}`)
    const argv = readFileSync(opened, 'utf8').trim()
    const secret = /[?&]taupy=([\w-]+)/.exec(stderr)?.[1]
    assert.ok(secret, `the app did not print its URL; stderr:\n${stderr}`)
    assert.ok(!argv.includes(secret), `the secret reached the browser's command line: ${argv}`)
    const openUrl = new URL(argv)
    assert.match(openUrl.searchParams.get('taupy_once') ?? '', /^[\w-]{20,}$/)

    const page = await browser.newPage()
    try {
      await page.goto(openUrl.href)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached', timeout: 20_000 })
      assert.equal(new URL(page.url()).search, '', 'the code is gone from the address bar')
      assert.equal(new URL(page.url()).hash, '', 'and so is the secret')
      // A reload keeps the page signed in (cookie for the page, sessionStorage for /ws).
      await page.reload()
      await page.locator('html[data-taupy-connection="open"]').waitFor({ state: 'attached', timeout: 20_000 })
    } finally {
      await page.close()
    }
    const again = await rawGet(openUrl.origin, openUrl.pathname + openUrl.search, { host: openUrl.host })
    assert.equal(again.status, 403, 'a one-time URL works once')
  } finally {
    await stopGroup(child)
  }
}

/** Stops a detached child's whole process group and waits until none of it is left. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const groupAlive = (): boolean => {
    try {
      process.kill(-child.pid!, 0)
      return true
    } catch {
      return false
    }
  }
  if (groupAlive()) process.kill(-child.pid!, 'SIGTERM')
  if (!(await eventually(() => !groupAlive(), 5000)) && groupAlive()) process.kill(-child.pid!, 'SIGKILL')
}

describe('the system browser gets a one-time URL', () => {
  test('taupy start --browser', { timeout: 120_000 }, () => openedInBrowser('start'))
  test('taupy dev --browser', { timeout: 120_000 }, () => openedInBrowser('dev'))
  // Vite serves the page: it redeems the code, and proxies /ws (with the secret) to the backend.
  test('taupy dev --browser, React template (Vite on the port it bound and reported)', { timeout: 600_000 }, () => {
    reactApp ??= awkwardReactApp()
    return openedInBrowser('dev', reactApp)
  })
})

test('taupy dev: when Vite exits, the session stops with a message that says so', { timeout: 600_000 }, async () => {
  reactApp ??= awkwardReactApp()
  const child = spawn(process.execPath, [join(reactApp, 'taupy/bin/taupy.mjs'), 'dev', '--no-window'], { cwd: reactApp, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let stdout = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  try {
    assert.ok(await eventually(() => stdout.includes('"type":"ready"'), 60_000), stderr)
    const vite = readdirSync('/proc').find((pid) => {
      try {
        return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vite/bin/vite.js') && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--port')
          && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2] === String(child.pid)
      } catch {
        return false
      }
    })
    assert.ok(vite, 'no Vite process in the session')
    process.kill(Number(vite), 'SIGKILL')
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('running'), 5000))])
    assert.equal(code, 1, `taupy dev must stop (non-zero) when Vite exits; stderr:\n${stderr.slice(-1500)}`)
    assert.match(stderr, /Vite's dev server exited/)
  } finally {
    await stopGroup(child)
  }
})

test('taupy build runs vite build from a folder with spaces and &', { timeout: 600_000 }, () => {
  reactApp ??= awkwardReactApp()
  const result = spawnSync(process.execPath, [join(reactApp, 'taupy/bin/taupy.mjs'), 'build'], { cwd: reactApp, encoding: 'utf8', timeout: 300_000 })
  assert.equal(result.status, 0, result.stderr)
  assert.ok(existsSync(join(reactApp, 'dist/web/index.html')), 'vite build wrote the page')
  assert.ok(existsSync(join(reactApp, 'dist/server.mjs')))
})
