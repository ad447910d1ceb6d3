// `taupy/updates`: self-updates of a packaged app, in its backend (docs/updates.md). Checks the
// signed manifest at `taupy.updates.url` (or TAUPY_UPDATE_URL), downloads the app-only payload
// (or the whole file when the runtime changed), verifies it (Ed25519 signature of the manifest
// with the public key built into the app, then size and SHA-256) and stages it where the
// launcher applies it on the next start. Nothing unverified is ever written where the launcher
// looks. Only active in a packaged app (the launcher sets TAUPY_UPDATE_DIR).
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { chmodSync, createReadStream, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { basename, dirname, join } from 'node:path'
import { frameLine, takeIpcToken } from '../ipc/framing.js'
import { launcherChannel } from '../ipc/stdio.js'
import { compareVersions, publicKeyFrom, verifyManifest, type Artifact, type UpdateManifest } from './manifest.js'

export interface UpdateInfo {
  version: string
  notes: string
  /** `app`: the app-only payload (same runtime); `full`: the whole executable. */
  kind: 'app' | 'full'
  /** Bytes to download. */
  size: number
}

export type UpdateState = 'idle' | 'checking' | 'up-to-date' | 'available' | 'downloading' | 'downloaded' | 'error'

export interface UpdateEvents {
  state: [UpdateState]
  available: [UpdateInfo]
  progress: [{ received: number; total: number }]
  downloaded: [UpdateInfo]
  error: [Error]
  /** Versions the launcher rolled back because they did not start (TAUPY_UPDATE_ROLLED_BACK). */
  'rolled-back': [string[]]
}

// TAUPY_BUILT_* are written as process.env.TAUPY_BUILT_* everywhere: `taupy build` replaces exactly that text.
const env = process.env
const maxManifestBytes = 1024 * 1024
const maxRedirects = 5
/** What the launcher sets for its backend: a new start must not inherit them (it sets its own). */
const launcherSetVariables = ['TAUPY_LAUNCHER', 'TAUPY_IPC_TOKEN', 'TAUPY_APP_ID', 'TAUPY_LAUNCH_MODE', 'TAUPY_RESTART_BY_LAUNCHER', 'TAUPY_RUNTIME_ID', 'TAUPY_TARGET', 'TAUPY_APP_VERSION', 'TAUPY_EMBEDDED_VERSION', 'TAUPY_PAYLOAD_APP_ID', 'TAUPY_UPDATE_ROLLED_BACK', 'TAUPY_UPDATE_DIR', 'TAUPY_EXECUTABLE']

/** https anywhere; plain http only to this machine's loopback address (tests, staging). */
export function allowedUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === '127.0.0.1')
}

/**
 * One GET with node:http(s), not fetch: the same streams, an idle timeout rather than a total one
 * (a full file takes a while on a slow line), and it also connects under wine, where fetch
 * (undici) fails with "connect UNKNOWN" (test/updates-windows.test.ts).
 */
function get(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { headers, timeout: 60_000 }, resolve)
    request.on('timeout', () => request.destroy(new Error(`${url.href} sent nothing for 60 s`)))
    request.on('error', reject)
    request.end()
  })
}

/** A GET with every redirect hop checked by allowedUrl. */
async function fetchChecked(start: URL, headers: Record<string, string> = {}): Promise<{ response: IncomingMessage; url: URL }> {
  let url = start
  for (let hop = 0; hop <= maxRedirects; hop++) {
    if (!allowedUrl(url)) throw new Error(`refusing ${url.href}: updates come over https (plain http only from 127.0.0.1)`)
    const response = await get(url, headers)
    const status = response.statusCode ?? 0
    const location = response.headers.location
    if (status >= 300 && status < 400 && location) {
      response.destroy()
      url = new URL(location, url)
      continue
    }
    if (status < 200 || status > 299) {
      response.destroy()
      throw new Error(`${url.href} answered ${status}`)
    }
    return { response, url }
  }
  throw new Error(`more than ${maxRedirects} redirects from ${start.href}`)
}

async function readCapped(response: IncomingMessage, cap: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let total = 0
  for await (const chunk of response) {
    total += (chunk as Buffer).length
    if (total > cap) throw new Error(`the manifest is larger than ${cap} bytes`)
    parts.push(chunk as Buffer)
  }
  return Buffer.concat(parts)
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text)
  renameSync(`${path}.partial`, path)
}

interface Found {
  info: UpdateInfo
  artifact: Artifact
  url: URL
  runtime: string
  /** The verified update.json as served: staged beside the payload for the launcher to verify again. */
  manifestText: string
}

export class Updater extends EventEmitter<UpdateEvents> {
  state: UpdateState = 'idle'
  /** The version running now (baked in by `taupy build`). */
  readonly version = process.env.TAUPY_BUILT_VERSION ?? '0.0.0'
  readonly rolledBack = (env.TAUPY_UPDATE_ROLLED_BACK ?? '').split(',').filter(Boolean)
  /** Download as soon as a check finds an update (the default); false: the app asks first. */
  autoDownload = true
  available: UpdateInfo | null = null
  private found: Found | null = null
  private downloading: Promise<void> | null = null
  private timers: NodeJS.Timeout[] = []

  /** Whether this process can update itself: packaged, with a URL and a public key. */
  get enabled(): boolean {
    return Boolean(env.TAUPY_UPDATE_DIR && this.url && process.env.TAUPY_BUILT_PUBLIC_KEY)
  }

  get url(): string {
    return env.TAUPY_UPDATE_URL || process.env.TAUPY_BUILT_UPDATE_URL || ''
  }

  private setState(state: UpdateState): void {
    this.state = state
    this.emit('state', state)
  }

  private fail(error: unknown): never {
    const e = error instanceof Error ? error : new Error(String(error))
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : ''
    console.error(`taupy updates: ${e.message}${cause}`)
    this.setState('error')
    if (this.listenerCount('error') > 0) this.emit('error', e)
    throw e
  }

  private stagingDir(): string {
    if (!env.TAUPY_UPDATE_DIR) throw new Error('updates only run in a packaged app (no TAUPY_UPDATE_DIR from the launcher)')
    return env.TAUPY_UPDATE_DIR
  }

  /** Fetches and verifies the manifest; the update it offers, or null when none is newer. */
  async check(): Promise<UpdateInfo | null> {
    this.setState('checking')
    try {
      if (!this.url) throw new Error('no update URL (taupy.updates.url in package.json, or TAUPY_UPDATE_URL)')
      const key = publicKeyFrom(process.env.TAUPY_BUILT_PUBLIC_KEY ?? '')
      const { response, url } = await fetchChecked(new URL(this.url))
      const manifestText = (await readCapped(response, maxManifestBytes)).toString('utf8')
      const manifest: UpdateManifest = verifyManifest(manifestText, key)
      if (env.TAUPY_PAYLOAD_APP_ID && manifest.app !== env.TAUPY_PAYLOAD_APP_ID) throw new Error(`the manifest is for the app ${manifest.app}, not ${env.TAUPY_PAYLOAD_APP_ID}`)
      const newer = compareVersions(manifest.version, this.version) > 0
      const failedBefore = existsSync(join(this.stagingDir(), `${manifest.version}.bad`))
      const target = manifest.artifacts[env.TAUPY_TARGET ?? '']
      if (!newer || failedBefore || !target) {
        if (!newer && compareVersions(manifest.version, this.version) < 0) console.error(`taupy updates: ignoring the manifest for ${manifest.version}, older than ${this.version} (never downgrade)`)
        if (failedBefore) console.error(`taupy updates: ${manifest.version} was rolled back before; waiting for a newer one`)
        this.available = this.found = null
        this.setState('up-to-date')
        return null
      }
      const kind = target.runtime === env.TAUPY_RUNTIME_ID ? 'app' : 'full'
      const artifact = kind === 'app' ? target.app : target.full
      this.found = { info: { version: manifest.version, notes: manifest.notes ?? '', kind, size: artifact.size }, artifact, url: new URL(artifact.url, url), runtime: target.runtime, manifestText }
      this.available = this.found.info
      this.setState('available')
      this.emit('available', this.found.info)
      return this.found.info
    } catch (error) {
      return this.fail(error)
    }
  }

  /** Downloads and verifies the update `check()` found, and stages it for the next start. */
  download(onProgress?: (progress: { received: number; total: number }) => void): Promise<void> {
    this.downloading ??= this.downloadOnce(onProgress).finally(() => (this.downloading = null))
    return this.downloading
  }

  private async downloadOnce(onProgress?: (progress: { received: number; total: number }) => void): Promise<void> {
    const found = this.found ?? (await this.check().then(() => this.found))
    if (!found) return
    this.setState('downloading')
    try {
      const dir = this.stagingDir()
      const { info, artifact } = found
      // The full file goes beside the executable (the final rename must stay on one disk).
      const partial = info.kind === 'app' ? join(dir, `${info.version}.taupy.partial`) : join(dirname(this.executable()), `.${basename(this.executable())}.${info.version}.partial`)
      await this.fetchInto(found.url, partial, artifact, onProgress)
      if ((await fileSha256(partial)) !== artifact.sha256) {
        rmSync(partial, { force: true })
        throw new Error(`the download of ${info.version} does not match the SHA-256 in the signed manifest: discarded`)
      }
      if (info.kind === 'app') this.stage(dir, partial, found)
      else this.replaceExecutable(partial, info.version)
      this.setState('downloaded')
      this.emit('downloaded', info)
      console.error(`taupy updates: ${info.version} downloaded and verified; it starts next time`)
    } catch (error) {
      this.fail(error)
    }
  }

  /** Range requests resume a partial download; anything over the manifest's size is cut off. */
  private async fetchInto(url: URL, partial: string, artifact: Artifact, onProgress?: (p: { received: number; total: number }) => void): Promise<void> {
    let have = existsSync(partial) ? statSync(partial).size : 0
    if (have >= artifact.size) {
      rmSync(partial, { force: true })
      have = 0
    }
    const { response } = await fetchChecked(url, have > 0 ? { range: `bytes=${have}-` } : {})
    if (response.statusCode !== 206) have = 0
    const file = await open(partial, have > 0 ? 'a' : 'w', 0o600)
    let received = have
    let cut = ''
    try {
      for await (const chunk of response) {
        const bytes = chunk as Buffer
        received += bytes.length
        if (received > artifact.size) throw new Error(`${url.href} sent more than the ${artifact.size} bytes the manifest allows`)
        await file.write(bytes)
        const progress = { received, total: artifact.size }
        this.emit('progress', progress)
        onProgress?.(progress)
      }
    } catch (error) {
      if (received > artifact.size) throw error
      cut = ` (${error instanceof Error ? error.message : String(error)})` // the connection dropped
    } finally {
      await file.close()
    }
    if (received !== artifact.size) throw new Error(`the download of ${url.href} stopped at ${received} of ${artifact.size} bytes${cut}; the next check resumes it`)
  }

  /** The payload, then its record: the launcher only looks at versions whose `.json` exists. */
  private stage(dir: string, partial: string, { info: { version }, artifact, runtime, manifestText }: Found): void {
    renameSync(partial, join(dir, `${version}.taupy`))
    writeAtomic(join(dir, `${version}.manifest`), manifestText)
    writeAtomic(join(dir, `${version}.json`), JSON.stringify({ version, sha256: artifact.sha256, size: artifact.size, runtime }))
    // Keep the running version (the rollback target) and the new one; older stages go.
    for (const name of readdirSync(dir)) {
      const v = name.replace(/\.(taupy|json|manifest|good|trying|bad|taupy\.partial|json\.partial|manifest\.partial)$/, '')
      if (v !== name && v !== version && v !== this.version && compareVersions(v, this.version) < 0) rmSync(join(dir, name), { force: true })
    }
  }

  private executable(): string {
    if (!env.TAUPY_EXECUTABLE) throw new Error('the launcher did not say where the executable is (TAUPY_EXECUTABLE)')
    return env.TAUPY_EXECUTABLE
  }

  /** A new runtime: the verified file replaces the executable in one rename (Windows: the running file is renamed aside first). */
  private replaceExecutable(partial: string, version: string): void {
    const exe = this.executable()
    // The download was written owner-only; the new file keeps the old one's mode (executable).
    chmodSync(partial, statSync(exe).mode & 0o777)
    if (process.platform === 'win32') {
      const aside = `${exe}.old-${this.version}`
      rmSync(aside, { force: true })
      renameSync(exe, aside)
      try {
        renameSync(partial, exe)
      } catch (error) {
        renameSync(aside, exe)
        throw error
      }
    } else {
      renameSync(partial, exe)
    }
    console.error(`taupy updates: ${exe} replaced by ${version}`)
  }

  /** Windows: the executables a full update renamed aside (no longer running now; a busy one stays for next time). */
  private removeAsideFiles(): void {
    if (!env.TAUPY_EXECUTABLE) return
    const exe = env.TAUPY_EXECUTABLE
    try {
      for (const name of readdirSync(dirname(exe))) {
        if (name.startsWith(`${basename(exe)}.old-`)) rmSync(join(dirname(exe), name), { force: true })
      }
    } catch {} // still running (another instance), or the folder is not listable: next start
  }

  /**
   * Starts the app again, in the mode it runs in now, and ends this backend; the new start
   * applies what was downloaded. In a window the launcher does it (`exit` with `restart`): it
   * starts its file again once it has exited, after this app's single-instance claim is free,
   * and on Windows anything we started ourselves would end with the launcher's job object. With
   * --no-window or --browser we start the file (detached, in the same mode); --no-window keeps
   * our stdout, so the new ready line goes where ours went. On Windows the launcher stays our
   * parent in those modes too (no exec) and does it, asked by a framed `exit` line.
   */
  restartToApply(): void {
    if (env.TAUPY_LAUNCHER === '1') {
      launcherChannel().send({ type: 'exit', code: 0, restart: true })
      return
    }
    const token = takeIpcToken()
    if (env.TAUPY_RESTART_BY_LAUNCHER === '1' && token) {
      // Windows, --no-window/--browser: the launcher reads our framed stdout and starts the file
      // once we have exited (what we started would end with its job object).
      process.stdout.write(frameLine(JSON.stringify({ type: 'exit', code: 0, restart: true }), token), () => process.exit(0))
      return
    }
    const args = env.TAUPY_LAUNCH_MODE ? [env.TAUPY_LAUNCH_MODE] : []
    const fresh: NodeJS.ProcessEnv = { ...process.env }
    for (const name of launcherSetVariables) delete fresh[name]
    spawn(this.executable(), args, { detached: true, stdio: args[0] === '--no-window' ? 'inherit' : 'ignore', env: fresh }).unref()
    setTimeout(() => process.exit(0), 200)
  }

  /** Checks within `delay` of start-up, then every `interval`; downloads when autoDownload. */
  start({ delay = Number(env.TAUPY_UPDATE_DELAY_MS ?? 30_000), interval = Number(env.TAUPY_UPDATE_INTERVAL_MS ?? 4 * 3600_000) } = {}): void {
    if (this.rolledBack.length > 0) setImmediate(() => this.emit('rolled-back', this.rolledBack))
    if (this.timers.length === 0) this.removeAsideFiles()
    if (!this.enabled || this.timers.length > 0) return
    const run = (): void => {
      this.check()
        .then((info) => (info && this.autoDownload ? this.download() : undefined))
        .catch(() => {}) // logged by fail(); the next round tries again
    }
    this.timers.push(setTimeout(run, delay).unref(), setInterval(run, interval).unref())
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers = []
  }
}

/** The app's one updater. */
export const updates = new Updater()
