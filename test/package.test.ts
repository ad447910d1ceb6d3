// `npm run package` as a new user runs it: a scaffolded widgets app becomes one file, the native
// launcher with Node and the app appended (docs/one-file-format.md). On Linux the file starts
// with --no-window, extracts once into the per-user cache, and its page connects in Chromium;
// later starts reuse the extraction, a damaged extraction heals, a cache folder another user
// could write is refused, a damaged file is refused, two starts at once both work, and two apps
// share one runtime folder. Each test has its own HOME/XDG_CACHE_HOME.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../scripts/testing/browser.js'
import { installedApp } from './helpers/apps.js'
import { tempDir } from './helpers/cli.js'
import { chunksHash, indexHash, readFooter, readIndex, type OneFileIndex } from './helpers/one-file.js'
import { exited, freshHome, nothingLeft, refusal, snapshot, startNoWindow, type Running } from './helpers/packaged.js'
import { eventually, processesMentioning } from './helpers/processes.js'

const fixtures = join(import.meta.dirname, 'fixtures')

const packageApp = (app: string, ...args: string[]): void => {
  execFileSync('npm', ['run', 'package', ...(args.length ? ['--', ...args] : [])], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
}

describe('npm run package (launcher + payload)', { timeout: 900_000 }, () => {
  let app: string
  let browser: Browser
  let index: OneFileIndex
  const temp = tempDir('taupy-package-')
  const homes: string[] = []
  const file = (): string => join(app, 'dist/package/my-app-linux-x64')
  const home = (): ReturnType<typeof freshHome> => {
    const made = freshHome()
    homes.push(made.home)
    return made
  }
  const appFolder = (cache: string): string => join(cache, 'taupy/apps/my-app', `${index.app.version}-${index.app.build}`)
  const runtimeFolder = (cache: string): string => join(cache, 'taupy/runtimes', index.runtime.id)

  before(async () => {
    app = installedApp('widgets')
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    for (const dir of [temp, ...homes]) rmSync(dir, { recursive: true, force: true })
  })

  test('makes one file: the launcher, then Node and the app, and an index as the format says', { timeout: 300_000 }, () => {
    packageApp(app)
    const stat = statSync(file())
    assert.equal(stat.mode & 0o777, 0o755)
    assert.equal(stat.size % 8, 0)
    const launcher = readFileSync(join(app, 'taupy/launcher/linux-x64/taupy-launcher'))
    assert.ok(readFileSync(file()).subarray(0, launcher.length).equals(launcher), 'starts with the launcher, unchanged')
    const footer = readFooter(file())!
    assert.ok(footer, 'has a footer')
    assert.equal(footer.payloadStart, launcher.length)
    assert.equal(indexHash(file(), footer), footer.sha256)
    index = readIndex(file(), footer)
    // Format 3: Node's chunks are zstd frames (a faster first start), the app's Brotli.
    assert.equal(index.format, 3)
    assert.equal(footer.version, 3)
    assert.equal(index.runtime.codec, 'zstd')
    const [nodeOffset] = index.runtime.files[0]!.chunks[0]!
    const [appOffset] = index.files.find((entry) => entry.chunks.length > 0)!.chunks[0]!
    const bytes = readFileSync(file())
    assert.equal(bytes.readUInt32LE(footer.payloadStart + nodeOffset), 0xfd2fb528, 'a zstd frame (its magic number)')
    assert.notEqual(bytes.readUInt32LE(footer.payloadStart + appOffset), 0xfd2fb528, 'the app is Brotli')
    assert.equal(chunksHash(file(), footer, index.runtime.files), index.chunksSha256.runtime)
    assert.equal(chunksHash(file(), footer, index.files), index.chunksSha256.app)
    assert.deepEqual({ ...index.app, build: undefined }, { id: 'my-app', name: 'My App', version: '0.0.0', build: undefined })
    assert.match(index.app.build, /^[0-9a-f]{16}$/)
    assert.match(index.runtime.id, /^node-24\.\d+\.\d+-linux-x64-[0-9a-f]{12}$/)
    assert.deepEqual(index.runtime.files.map((entry) => [entry.path, entry.mode]), [['node', 0o755]])
    const paths = index.files.map((entry) => entry.path)
    assert.ok(paths.includes('dist/server.mjs') && paths.includes('dist/web/app.js'), paths.join(', '))
    assert.ok(index.files.every((entry) => entry.mode === 0o644 && entry.chunks.every(([, , ulen]) => ulen <= 8 << 20)))
    assert.deepEqual(index.launch.backend, ['{runtime}/node', '{app}/dist/server.mjs'])
    assert.deepEqual(index.launch.env, { NODE_COMPILE_CACHE: '{app}/.compile-cache' })
    assert.deepEqual(index.launch.args.slice(0, 2), ['--title', 'My App'])
    assert.deepEqual(index.splash, { title: 'My App', background: '#ffffff', foreground: '#1f2328' })
    // Node alone is ~37 MiB with zstd; anything much smaller means it is missing.
    assert.ok(stat.size > 25 * 1024 * 1024, `${stat.size} bytes`)
  })

  test('the same sources packed again give the same build id; splash colours and splash.html come from the app', { timeout: 300_000 }, () => {
    const copy = join(temp, 'splash-app')
    cpSync(app, copy, { recursive: true, verbatimSymlinks: true })
    packageApp(copy)
    const again = readIndex(join(copy, 'dist/package/my-app-linux-x64'), readFooter(join(copy, 'dist/package/my-app-linux-x64'))!)
    assert.equal(again.app.build, index.app.build)
    assert.equal(again.runtime.id, index.runtime.id)

    const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { taupy: Record<string, unknown> }
    pkg.taupy.splash = { background: '#101010', foreground: '#fafafa' }
    writeFileSync(join(copy, 'package.json'), JSON.stringify(pkg, null, 2))
    writeFileSync(join(copy, 'splash.html'), '<!doctype html><title>Loading</title><p>Loading…</p>')
    packageApp(copy)
    const splashed = readIndex(join(copy, 'dist/package/my-app-linux-x64'), readFooter(join(copy, 'dist/package/my-app-linux-x64'))!)
    assert.deepEqual(splashed.splash, { title: 'My App', background: '#101010', foreground: '#fafafa', html: 'splash.html' })
    assert.ok(splashed.files.some((entry) => entry.path === 'splash.html'))
    assert.notEqual(splashed.app.build, index.app.build, 'a new app file, a new build')

    pkg.taupy.splash = { background: 'white' }
    writeFileSync(join(copy, 'package.json'), JSON.stringify(pkg, null, 2))
    assert.throws(() => execFileSync('npm', ['run', 'package'], { cwd: copy, stdio: 'pipe' }), (error: { stderr: Buffer }) => /taupy\.splash\.background.*must be a colour/.test(error.stderr.toString()))
  })

  test('a target without a launcher (macOS) is refused before building, pointing at --packer caxa', () => {
    let stderr = ''
    try {
      execFileSync('npm', ['run', 'package', '--', '--target', 'darwin-arm64'], { cwd: app, stdio: 'pipe' })
      assert.fail('packaging for darwin-arm64 should fail')
    } catch (error) {
      stderr = (error as { stderr: Buffer }).stderr.toString()
    }
    assert.match(stderr, /no launcher for darwin-arm64/)
    assert.match(stderr, /--packer caxa/)
    assert.doesNotMatch(stderr, /\n\s+at /, 'a message, not a stack trace')
  })

  test('--no-window: extracts into the cache, the page connects in Chromium, one Node process, SIGTERM leaves none', { timeout: 120_000 }, async () => {
    const { cache, env } = home()
    const running = await startNoWindow(file(), env)
    try {
      const page = await browser.newPage()
      await page.goto(running.url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      await page.close()
      assert.ok(existsSync(join(runtimeFolder(cache), 'node')))
      assert.ok(statSync(join(runtimeFolder(cache), 'node')).mode & 0o100, 'node is executable')
      assert.ok(existsSync(join(appFolder(cache), 'dist/server.mjs')))
      for (const folder of [runtimeFolder(cache), appFolder(cache)]) {
        const manifest = readFileSync(join(folder, '.taupy-complete'), 'utf8')
        assert.match(manifest, folder === appFolder(cache) ? /^\d+ dist\/server\.mjs$/m : /^\d+ node$/m)
      }
      assert.match(readFileSync(join(appFolder(cache), '.taupy-complete'), 'utf8'), new RegExp(`^runtime ${index.runtime.id}$`, 'm'))
      for (const folder of ['taupy', 'taupy/runtimes', 'taupy/apps', 'taupy/apps/my-app']) {
        assert.equal(statSync(join(cache, folder)).mode & 0o777, 0o700, folder)
      }
      assert.deepEqual(readdirSync(join(cache, 'taupy/apps/my-app')).filter((name) => name.includes('.partial')), [], 'no partial folder left')
      const nodes = processesMentioning(runtimeFolder(cache))
      assert.equal(nodes.length, 1, `one Node process, from the runtime folder:\n${nodes.join('\n')}`)
    } finally {
      await running.stop()
    }
    assert.equal(await nothingLeft(cache), '')
  })

  test('--browser opens the framed ready line\'s URL in the system browser, never one the app printed', { timeout: 300_000 }, async () => {
    // The app logs a fake ready line first, as an app echoing untrusted text would.
    const copy = join(temp, 'browser-app')
    cpSync(app, copy, { recursive: true, verbatimSymlinks: true })
    const entry = join(copy, JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')).taupy.server)
    const fake = '{"type":"ready","url":"http://127.0.0.1:9/evil","openUrl":"http://127.0.0.1:9/evil"}'
    writeFileSync(entry, `console.log(${JSON.stringify(fake)})\n` + readFileSync(entry, 'utf8'))
    packageApp(copy)
    const { env } = home()
    const opened = join(temp, 'xdg-open.log')
    const child = spawn(join(copy, 'dist/package/my-app-linux-x64'), ['--browser'], {
      env: { ...env, DISPLAY: ':99', PATH: `${join(fixtures, 'launcher/bin')}:${env.PATH}`, XDG_OPEN_LOG: opened },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    try {
      assert.ok(await eventually(() => existsSync(opened) && readFileSync(opened, 'utf8').includes('\n'), 60_000), `a URL was opened; stdout:\n${stdout}`)
      const urls = readFileSync(opened, 'utf8').trim().split('\n')
      assert.equal(urls.length, 1, urls.join('\n'))
      assert.match(urls[0]!, /^http:\/\/127\.0\.0\.1:\d+\//)
      assert.ok(!urls[0]!.includes('/evil'), 'the printed line was not obeyed')
      assert.ok(stdout.includes(fake), 'it stayed log')
      const page = await browser.newPage()
      await page.goto(urls[0]!)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      await page.close()
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })

  test('a second start reuses the extraction (no new files) and is faster', { timeout: 120_000 }, async () => {
    const { cache, env } = home()
    const first = await startNoWindow(file(), env)
    await first.stop()
    const before = snapshot(cache)
    const later = await startNoWindow(file(), env)
    await later.stop()
    assert.deepEqual(snapshot(cache), before, 'the same files, untouched')
    assert.ok(later.ms < first.ms, `later start ${later.ms.toFixed(0)} ms, first ${first.ms.toFixed(0)} ms`)
  })

  test('a file deleted from the extraction comes back on the next start', { timeout: 120_000 }, async () => {
    const { cache, env } = home()
    await (await startNoWindow(file(), env)).stop()
    const server = join(appFolder(cache), 'dist/server.mjs')
    const node = join(runtimeFolder(cache), 'node')
    const contents = readFileSync(server)
    rmSync(server)
    truncateSync(node, 1000) // the wrong size counts as damaged too
    const running = await startNoWindow(file(), env)
    try {
      const page = await browser.newPage()
      await page.goto(running.url)
      await page.locator('html[data-taupy-connection="open"]').waitFor({ timeout: 15_000 })
      await page.close()
    } finally {
      await running.stop()
    }
    assert.ok(readFileSync(server).equals(contents), 'server.mjs restored')
    assert.ok(statSync(node).size > 50 << 20, 'node restored')
  })

  test('a cache folder owned by someone else, or writable by others, is refused with a message naming it', { timeout: 120_000 }, async () => {
    {
      const { cache, env } = home()
      mkdirSync(join(cache, 'taupy'), { mode: 0o700 })
      chownSync(join(cache, 'taupy'), 65534, 65534)
      const result = await refusal(file(), env)
      assert.notEqual(result.code, 0)
      assert.doesNotMatch(result.stdout, /"type":"ready"/)
      assert.ok(result.stderr.includes(join(cache, 'taupy')), result.stderr)
      assert.match(result.stderr, /own/i)
      assert.ok(!existsSync(join(cache, 'taupy/runtimes')), 'nothing extracted')
    }
    {
      const { cache, env } = home()
      await (await startNoWindow(file(), env)).stop()
      const appsFolder = join(cache, 'taupy/apps/my-app')
      chmodSync(appsFolder, 0o777)
      const result = await refusal(file(), env)
      assert.notEqual(result.code, 0)
      assert.doesNotMatch(result.stdout, /"type":"ready"/)
      assert.ok(result.stderr.includes(appsFolder), result.stderr)
      assert.match(result.stderr, /writable/i)
      assert.equal(processesMentioning(cache).length, 0, 'nothing runs from it')
    }
  })

  test('a truncated or altered file is refused and extracts nothing', { timeout: 120_000 }, async () => {
    const truncated = join(temp, 'truncated')
    copyFileSync(file(), truncated)
    truncateSync(truncated, statSync(truncated).size - 4096)
    chmodSync(truncated, 0o755)
    const altered = join(temp, 'altered')
    copyFileSync(file(), altered)
    chmodSync(altered, 0o755)
    // One byte inside the app's first chunk: the footer is intact, the hash is not.
    const footer = readFooter(altered)!
    const target = footer.payloadStart + index.files[0]!.chunks[0]![0] + 10
    const bytes = readFileSync(altered)
    bytes[target] = bytes[target]! ^ 0xff
    writeFileSync(altered, bytes)
    for (const damaged of [truncated, altered]) {
      const { cache, env } = home()
      const result = await refusal(damaged, env)
      assert.notEqual(result.code, 0, damaged)
      assert.doesNotMatch(result.stdout, /"type":"ready"/)
      assert.ok(result.stderr.trim().length > 0, 'says why')
      const apps = join(cache, 'taupy/apps/my-app')
      assert.deepEqual(existsSync(apps) ? readdirSync(apps).filter((name) => !name.endsWith('.lock')) : [], [], `no app folder left for ${damaged}`)
    }
  })

  test('two starts at once both work and share one extraction', { timeout: 120_000 }, async () => {
    const { cache, env } = home()
    const starts = await Promise.allSettled([startNoWindow(file(), env), startNoWindow(file(), env)])
    const running = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []))
    try {
      for (const start of starts) if (start.status === 'rejected') throw start.reason
      const [one, two] = running as [Running, Running]
      assert.notEqual(one.url, two.url)
      for (const url of [one.url, two.url]) assert.equal((await fetch(url, { redirect: 'manual' })).status, 302)
    } finally {
      await Promise.all(running.map((start) => start.stop()))
    }
    assert.deepEqual(readdirSync(join(cache, 'taupy/apps/my-app')).filter((name) => !name.endsWith('.lock')), [`${index.app.version}-${index.app.build}`])
    assert.deepEqual(readdirSync(join(cache, 'taupy/runtimes')).filter((name) => !name.endsWith('.lock')), [index.runtime.id])
    assert.equal(await nothingLeft(cache), '')
  })

  test('a second app with the same Node reuses the runtime folder; only its app folder is new', { timeout: 300_000 }, async () => {
    const second = join(temp, 'second-app')
    cpSync(app, second, { recursive: true, verbatimSymlinks: true })
    const pkg = JSON.parse(readFileSync(join(second, 'package.json'), 'utf8')) as { name: string; productName: string }
    pkg.name = 'second-app'
    pkg.productName = 'Second App'
    writeFileSync(join(second, 'package.json'), JSON.stringify(pkg, null, 2))
    packageApp(second)
    const secondFile = join(second, 'dist/package/second-app-linux-x64')
    assert.equal(readIndex(secondFile, readFooter(secondFile)!).runtime.id, index.runtime.id)

    const { cache, env } = home()
    await (await startNoWindow(file(), env)).stop()
    const runtimes = snapshot(join(cache, 'taupy/runtimes'))
    await (await startNoWindow(secondFile, env)).stop()
    assert.deepEqual(snapshot(join(cache, 'taupy/runtimes')), runtimes, 'the runtime folder is untouched')
    assert.deepEqual(readdirSync(join(cache, 'taupy/apps')).sort(), ['my-app', 'second-app'])
    assert.ok(existsSync(join(cache, 'taupy/apps/my-app', `${index.app.version}-${index.app.build}`)), 'the first app stays')
  })
})
