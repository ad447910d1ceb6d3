// The Windows launcher with a webview (the stand-in WebView2 runtime, fixtures/launcher/fake-webview2.c)
// under wine64 + Xvfb: what needs a page in the window. Menu accelerators while the page has the
// keyboard focus (WebView2's AcceleratorKeyPressed: the keys go to the browser's window, never
// through the launcher's message loop).
// The exe is the shipped one (launcher/prebuilt), kept in step with the sources by test/launcher.test.ts.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ensureDisplay, launcherDir, sleep, startSession, stopDisplay, type Session } from './fixtures/launcher/harness.js'
import { buildStandIn, installRuntimes, standard } from './helpers/webview2-standin.js'
import { boot, createPrefix, haveWine, removePrefix, settle, wine64 } from './helpers/wine.js'

const rustc = process.env.RUSTC_WINDOWS ?? '/usr/bin/rustc'
const canBuild = existsSync(rustc) && spawnSync('x86_64-w64-mingw32-gcc', ['--version']).status === 0
const exe = join(launcherDir, 'prebuilt', 'win32-x64', 'taupy-launcher.exe')
const dir = mkdtempSync(join(tmpdir(), 'taupy-winhosted-'))
const fakeDll = join(dir, 'EmbeddedBrowserWebView.dll')
const prefix = createPrefix('hosted')

function send(s: Session, command: object): void {
  s.child.stdin!.write(JSON.stringify(command) + '\n')
}
async function reply(s: Session, id: string): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  return JSON.parse(await s.waitFor((l) => l.startsWith('{"type":"reply"') && l.includes(`"id":"${id}"`), 10_000, 'stdout'))
}
function events(s: Session, type: string): Array<Record<string, unknown>> {
  return s.events.filter((e) => e.type === type)
}
async function stop(s: Session): Promise<void> {
  s.child.kill('SIGKILL')
  await s.exited
  settle(prefix)
}

describe('windows launcher with a webview (stand-in WebView2, wine64)', { skip: !(canBuild && haveWine) && 'needs mingw and wine64', timeout: 600_000 }, () => {
  before(async () => {
    buildStandIn(fakeDll)
    await ensureDisplay()
    boot(prefix)
    installRuntimes(prefix, fakeDll, dir, [standard])
  })
  after(() => {
    stopDisplay()
    removePrefix(prefix)
    rmSync(dir, { recursive: true, force: true })
  })

  test('menu accelerators fire while the page has the keyboard focus (AcceleratorKeyPressed)', async () => {
    const s = startSession(wine64, [exe, '--title', 'Wine Keys', '--url', 'http://127.0.0.1:9/?taupy=keys'], prefix.vars)
    try {
      await s.waitEvent('page_loaded', 60_000)
      send(s, { type: 'set_menu', id: 'm', items: [{ id: 'file', label: 'File', items: [
        { id: 'find', label: 'Find', accelerator: 'Ctrl+Shift+F' },
        { id: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' },
      ] }] })
      assert.equal((await reply(s, 'm')).ok, true)
      // Ctrl+Q typed in the page: the launcher takes it (Handled), the page never sees it.
      send(s, { type: 'post_message', data: 'fake:key:81:ctrl' })
      await s.waitFor((l) => l.startsWith('FAKE key 0x51 '), 10_000)
      assert.ok(s.stderr.includes('FAKE key 0x51 handled'), s.stderr.filter((l) => l.startsWith('FAKE key')).join('\n'))
      assert.deepEqual(events(s, 'menu_clicked'), [{ type: 'menu_clicked', id: 'quit', window: 'main' }])
      // Q alone is the page's; Ctrl+Shift+F is the menu's again.
      send(s, { type: 'post_message', data: 'fake:key:81:' })
      await s.waitFor((l) => l === 'FAKE key 0x51 to the page', 10_000)
      send(s, { type: 'post_message', data: 'fake:key:70:ctrl,shift' })
      await s.waitFor((l) => l === 'FAKE key 0x46 handled', 10_000)
      await sleep(300)
      assert.deepEqual(events(s, 'menu_clicked').map((e) => e.id), ['quit', 'find'])
      // A disabled item's accelerator sends nothing.
      send(s, { type: 'set_menu_item', id: 'd', item: 'quit', enabled: false })
      assert.equal((await reply(s, 'd')).ok, true)
      send(s, { type: 'post_message', data: 'fake:key:81:ctrl' })
      await s.waitFor((l) => s.stderr.filter((x) => x.startsWith('FAKE key 0x51 ')).length === 3 && l.startsWith('FAKE key 0x51 '), 10_000)
      await sleep(300)
      assert.deepEqual(events(s, 'menu_clicked').map((e) => e.id), ['quit', 'find'])
    } finally {
      await stop(s)
    }
  })
})
