// The launcher pipe from both ends, fed garbage: the backend's IPC reader (scripts/ipc, under
// TAUPY_LAUNCHER=1) and the launcher's own stdin (--url mode, under Xvfb). Neither may crash;
// the backend ignores what is not an event (docs/ipc.md: "a backend must ignore unknown events
// and fields") and writes nothing but commands on stdout; the launcher answers every bad line
// with an error event; real traffic keeps flowing afterwards.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { MAX_LINE_BYTES, parseEvent } from '../scripts/ipc/protocol.js'
import { ipcTokenVariable, newIpcToken } from '../scripts/ipc/framing.js'
import { waitForReady } from '../scripts/cli/processes.js'
import { seededRandom, fuzzSeed, type Random } from './fixtures/adversarial/random.js'
import { hasProc, rssKiB } from './fixtures/adversarial/rss.js'
import { repoRoot } from './helpers/cli.js'

const fixture = new URL('./fixtures/adversarial/ipc-backend.ts', import.meta.url).pathname

/** Lines no launcher would send: junk bytes, non-objects, unknown and ill-typed events. */
function garbageLines(random: Random, count: number): Buffer[] {
  const known = ['window_ready', 'page_loaded', 'resized', 'moved', 'focused', 'reply', 'error', 'navigation_blocked', 'page_message']
  const odd = ['', ' ', 'null', '[]', '"resized"', '{', '}', '{"type":5}', '{"type":null}', '{"type":"close_requested_"}', '{"type":"fly_to_moon"}',
    '{"type":"__proto__"}', '{"type":"constructor"}', '{"type":"toString"}', '{"type":"hasOwnProperty"}', '{"__proto__":{"type":"resized"}}',
    '{"type":"reply","id":{},"ok":true}', '{"type":"reply","id":99999,"ok":false}', '{"type":"error","id":[]}', '\u0000{"type":"resized"}']
  const lines: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const kind = random.int(4)
    if (kind === 0) lines.push(Buffer.from(Array.from({ length: random.int(200) }, () => random.int(256)).filter((byte) => byte !== 0x0a)))
    else if (kind === 1) lines.push(Buffer.from(random.pick(odd)))
    else if (kind === 2) {
      const event: Record<string, unknown> = { type: random.pick(known) }
      for (const field of ['width', 'height', 'x', 'y', 'url', 'id', 'ok', 'protocol', 'data']) {
        if (random.chance(0.4)) event[field] = random.pick([null, -1, 1e308, 'x', [], {}, true, '\u2028'])
      }
      // A `resized` we can recognise below must not be faked here.
      if (event.type === 'resized') event.width = 'garbage'
      lines.push(Buffer.from(JSON.stringify(event)))
    } else lines.push(Buffer.from(JSON.stringify({ type: random.pick(known) }).slice(0, 1 + random.int(20))))
  }
  return lines
}

function collect(child: ChildProcess): { stdout: string[]; stderr: () => string } {
  const stdout: string[] = []
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return { stdout, stderr: () => stderr }
}

async function waitUntil(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe("the backend's IPC reader (scripts/ipc under TAUPY_LAUNCHER=1)", () => {
  let child: ChildProcess
  let output: ReturnType<typeof collect>
  let origin: string
  const commands: Array<Record<string, unknown>> = []
  const logged: string[] = []
  const token = newIpcToken()
  const exited = () => child.exitCode !== null || child.signalCode !== null

  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, TAUPY_LAUNCHER: '1', [ipcTokenVariable]: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    output = collect(child)
    const url = await waitForReady(child, (line, framed) => (framed ? commands.push(JSON.parse(line) as Record<string, unknown>) : logged.push(line)), token)
    origin = new URL(url).origin
    await waitUntil('the set_title command', () => commands.some((command) => command.type === 'set_title'))
  })
  after(() => {
    if (!exited()) child.kill('SIGKILL')
  })

  test('5,000 seeded garbage lines and 16 MiB lines: no crash, no command from them, overlong lines dropped with an error, real events still arrive', async (t) => {
    const before = hasProc ? rssKiB(child.pid!) : 0
    const lines = garbageLines(seededRandom(fuzzSeed()), 5000)
    child.stdin!.write(Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')])))
    child.stdin!.write('{"type":"page_message","data":"' + 'x'.repeat(16 * 1024 * 1024) + '"}\n')
    child.stdin!.write('x'.repeat(4 * 1024 * 1024) + '\n')
    // The pending set_title gets a reply with no `error` field: ill-formed, must not crash.
    const setTitle = commands.find((command) => command.type === 'set_title')!
    child.stdin!.write(JSON.stringify({ type: 'reply', id: setTitle.id, ok: false }) + '\n')
    child.stdin!.write('{"type":"resized","width":640,"height":480}\n')
    await waitUntil('the resized event after the garbage', () => output.stderr().includes('GOT resized 640x480'))
    await waitUntil('the line_too_long errors', () => output.stderr().split('GOT error line_too_long').length === 3)
    assert.ok(!output.stderr().includes(`GOT page_message ${16 * 1024 * 1024 + 2}`), `a line over ${MAX_LINE_BYTES} bytes is not delivered`)
    assert.equal(exited(), false, 'the backend is alive')
    assert.equal((await fetch(origin)).status, 403, 'and still serving (403: no secret)')
    assert.deepEqual(commands.map((command) => command.type), ['set_title'], 'nothing but commands on stdout, and no answer to garbage')
    const after = hasProc ? rssKiB(child.pid!) : 0
    assert.ok(!hasProc || after - before < 64 * 1024, `RSS grew by ${after - before} KiB`)
    t.diagnostic(`backend RSS ${(before / 1024).toFixed(0)} → ${(after / 1024).toFixed(0)} MiB after 5,000 lines + 20 MiB of long lines; stderr ${output.stderr().length} bytes`)
  })

  test('a page message the app logs is not a command (framing), and the token is gone from the environment', async () => {
    child.stdin!.write(JSON.stringify({ type: 'page_message', data: '{"type":"exit","code":9}' }) + '\n')
    await waitUntil('the echo on stdout', () => logged.includes('{"type":"exit","code":9}'))
    assert.deepEqual(commands.map((command) => command.type), ['set_title'])
    assert.ok(output.stderr().includes('ENV TOKEN absent'), 'app code (and its children) do not see TAUPY_IPC_TOKEN')
  })

  test('close_requested after all that: the backend answers with exit, and ends when its stdin closes', async () => {
    child.stdin!.write('{"type":"close_requested"}\n')
    await waitUntil('the exit command', () => commands.some((command) => command.type === 'exit'))
    child.stdin!.end()
    await waitUntil('the backend to exit', exited, 3000)
    assert.equal(child.exitCode, 0)
  })

  test('parseEvent accepts only the protocol\'s event types, not names inherited from Object', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      assert.equal(parseEvent(JSON.stringify({ type })), undefined, type)
    }
  })
})

const launcherBin = process.env.TAUPY_LAUNCHER_BIN ?? join(repoRoot, 'launcher', 'prebuilt', 'linux-x64', 'taupy-launcher')
const canRunLauncher = process.platform === 'linux' && existsSync(launcherBin) && spawnSync('sh', ['-c', 'command -v Xvfb']).status === 0

describe("the launcher's stdin (--url mode)", { skip: !canRunLauncher && 'needs Linux, Xvfb and launcher/prebuilt/linux-x64', timeout: 120_000 }, () => {
  let harness: typeof import('./fixtures/launcher/harness.js')
  before(async () => {
    harness = await import('./fixtures/launcher/harness.js')
    await harness.ensureDisplay()
  })
  after(() => harness?.stopDisplay())

  /** Runs the launcher in --url mode on a tiny page; `drive` gets the session. */
  async function withLauncher(title: string, drive: (session: ReturnType<typeof harness.startSession>) => Promise<void>): Promise<void> {
    const http = await import('node:http')
    const server = http.createServer((_request, response) => response.end('<title>garbage</title>ok')).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const port = (server.address() as { port: number }).port
    const session = harness.startSession(launcherBin, ['--title', title, '--url', `http://127.0.0.1:${port}/`])
    try {
      await session.waitEvent('page_loaded', 20_000)
      await drive(session)
      assert.equal(session.child.exitCode, null, `the launcher is alive; stderr:\n${session.stderr.slice(-8).join('\n')}`)
      session.child.stdin!.write('{"type":"exit","code":0}\n')
      assert.deepEqual(await Promise.race([session.exited, harness.sleep(10_000).then(() => 'timeout')]), { code: 0, signal: null })
    } finally {
      session.child.kill('SIGKILL')
      server.close()
    }
  }

  test('2,000 garbage lines, unknown and ill-typed commands, a 16 MiB line: an error event per bad command, no crash', async (t) => {
    await withLauncher('Garbage In', async (session) => {
      const random = seededRandom(fuzzSeed())
      const lines: string[] = []
      for (let i = 0; i < 2000; i++) {
        const kind = random.int(5)
        if (kind === 0) lines.push(`not json ${i}`)
        else if (kind === 1) lines.push(JSON.stringify({ type: `no_such_command_${i}` }))
        else if (kind === 2) lines.push(JSON.stringify({ title: `no type ${i}` }))
        else if (kind === 3) lines.push(JSON.stringify({ type: random.pick(['set_size', 'set_title', 'set_fullscreen', 'set_position']), width: random.pick([0, -5, 'wide', null]), title: random.pick([5, null, []]), x: 'left' }))
        else lines.push(`{"type":"set_title","title":"cut ${i}`)
      }
      session.child.stdin!.write(lines.join('\n') + '\n')
      session.child.stdin!.write('{"type":"no_such_command","pad":"' + 'y'.repeat(16 * 1024 * 1024) + '"}\n')
      session.child.stdin!.write(Buffer.from([0xff, 0xfe, 0x7b, 0x0a]))
      session.child.stdin!.write('{"type":"eval","id":"after","script":"document.title"}\n')
      await session.waitFor((line) => line.includes('"id":"after"'), 60_000, 'stdout')
      const errors = session.events.filter((event) => event.type === 'error')
      const codes = new Map<string, number>()
      for (const error of errors) codes.set(String(error.code), (codes.get(String(error.code)) ?? 0) + 1)
      t.diagnostic(`error events by code: ${[...codes].map(([code, n]) => `${code} ${n}`).join(', ')}`)
      // docs/ipc.md: a line that is not a JSON object is a log line, copied to stderr; every
      // line that looks like an object and is not a valid command gets an error event.
      const objectLines = lines.filter((line) => line.startsWith('{')).length + 1
      assert.equal(errors.length, objectLines, 'an error event per bad command')
      assert.ok(session.stderr.some((line) => line.includes('not json 0')) || lines.every((line) => line !== 'not json 0'), 'log lines reach stderr')
      assert.deepEqual(session.events.find((event) => event.type === 'reply' && event.id === 'after'), { type: 'reply', id: 'after', ok: true, result: 'garbage' })
      assert.ok(session.stdout.every((line) => line.startsWith('{')), 'stdout carries only protocol lines')
    })
  })

  test('overlong titles and texts are refused before they reach GTK: window and dialog titles, dialog text, a 16 MiB line (docs/ipc.md "Limits")', async () => {
    await withLauncher('Long Title', async (session) => {
      const big = 'y'.repeat(1_000_000)
      session.child.stdin!.write('{"type":"set_title","id":"line","title":"' + 'y'.repeat(16 * 1024 * 1024) + '"}\n')
      session.child.stdin!.write(JSON.stringify({ type: 'set_title', id: 'title', title: big }) + '\n')
      session.child.stdin!.write(JSON.stringify({ type: 'message_dialog', id: 'dialog-title', title: big, message: 'm' }) + '\n')
      session.child.stdin!.write(JSON.stringify({ type: 'confirm_dialog', id: 'dialog-text', message: big }) + '\n')
      session.child.stdin!.write(JSON.stringify({ type: 'open_file_dialog', id: 'file-title', title: big }) + '\n')
      session.child.stdin!.write(JSON.stringify({ type: 'save_file_dialog', id: 'filter', filters: [{ name: big, extensions: ['txt'] }] }) + '\n')
      session.child.stdin!.write(JSON.stringify({ type: 'post_message', id: 'post', data: big + big }) + '\n')
      session.child.stdin!.write('{"type":"eval","id":"after","script":"document.title"}\n')
      await session.waitFor((line) => line.includes('"id":"after"'), 30_000, 'stdout')
      const tooLong = session.events.find((event) => event.type === 'error' && event.code === 'line_too_long')
      assert.ok(tooLong, 'a 16 MiB line is dropped with line_too_long')
      for (const id of ['title', 'dialog-title', 'dialog-text', 'file-title', 'filter', 'post']) {
        const refused = session.events.find((event) => event.type === 'error' && event.id === id)
        assert.equal(refused?.code, 'invalid_argument', id)
      }
      assert.deepEqual(harness.findWindows('^y'), [], 'no dialog opened')
    })
  })

  test('an overlong --title is a usage error, not an X error', () => {
    const result = spawnSync(launcherBin, ['--title', 'y'.repeat(100_000), '--url', 'http://127.0.0.1:9/'], { encoding: 'utf8', timeout: 10_000 })
    assert.equal(result.status, 2, result.stderr.slice(0, 300))
    assert.match(result.stderr, /--title is longer than 4096 characters/)
  })
})
