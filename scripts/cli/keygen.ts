// `taupy keygen [--out <file>] [--force]`: the app's Ed25519 key pair for signed updates
// (docs/updates.md). The public key goes into package.json (`taupy.updates.publicKey`), the
// private key into a file outside the project, readable by its owner only: whoever holds it
// can ship code to every user of the app, so it must never be committed.
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { appId } from './pack-launcher.js'
import type { AppConfig } from './config.js'
import { publicKeyText } from '../updates/manifest.js'

/** Where keygen puts the private key by default: the user's config folder, never the project. */
export function defaultKeyFile(config: AppConfig): string {
  const base = process.platform === 'win32' ? (process.env.APPDATA ?? join(homedir(), 'AppData/Roaming')) : (process.env.XDG_CONFIG_HOME || join(homedir(), '.config'))
  return join(base, 'taupy', 'keys', `${appId(config.name)}.pem`)
}

export function keygen(config: AppConfig, argv: string[]): void {
  const { values } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, force: { type: 'boolean' } } })
  const out = resolve(values.out ?? defaultKeyFile(config))
  const inside = relative(config.dir, out)
  if (!inside.startsWith('..') && !inside.startsWith('/')) {
    throw new Error(`taupy keygen: ${out} is inside the project; the private key must live outside it (it must never be committed)`)
  }
  if (existsSync(out) && !values.force) {
    throw new Error(`taupy keygen: ${out} exists; apps signed with it only accept updates signed with it. Pass --force to replace it (then ship the new public key in a full download), or --out <file>`)
  }
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 })
  writeFileSync(out, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 })

  const file = join(config.dir, 'package.json')
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { taupy?: { updates?: Record<string, unknown> } }
  pkg.taupy ??= {}
  pkg.taupy.updates = { ...pkg.taupy.updates, publicKey: publicKeyText(publicKey) }
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
  console.error(
    `taupy keygen: private key written to ${out} (never commit it; back it up: losing it means no more updates for installed apps)\n` +
      `  public key added to package.json (taupy.updates.publicKey); set taupy.updates.url to where update.json will be served\n` +
      `  package a release with: TAUPY_SIGNING_KEY=${out} npm run package -- --release`,
  )
}
