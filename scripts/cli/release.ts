// `taupy package --release`: dist/release/ gets what a static host serves for self-updates
// (docs/updates.md): the full file, the app-only payload cut from it, and update.json signed
// with the app's Ed25519 key. Run once per --target: each run adds its target to update.json.
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { AppConfig } from './config.js'
import { defaultKeyFile } from './keygen.js'
import { appId } from './pack-launcher.js'
import { brotliFormatVersion, footerBytes, magic, paddedFooter, readableFormats, type Entry } from './pack-payload.js'
import { manifestFormat, privateKeyFrom, publicKeyFrom, publicKeyText, signManifest, type UpdateManifest } from '../updates/manifest.js'
import { createPublicKey } from 'node:crypto'

export const releaseDir = (config: AppConfig): string => join(config.outDir, 'release')
/** The app-only file starts with these 8 bytes (payload_start must not be 0). */
export const appOnlyMagic = 'TAUPYAPP'

interface Index {
  app: { id: string; version: string }
  runtime: { id: string; files: Entry[] }
  files: Entry[]
  chunksSha256: { runtime: string; app: string }
  [key: string]: unknown
}

/**
 * Where the payload's footer ends: the end of the file, or for an Authenticode-signed .exe the
 * start of its certificate table (the PE security directory), with the up to 7 zero bytes of
 * alignment before it, as the launcher looks (docs/one-file-format.md).
 */
export function payloadEnd(file: Buffer): number {
  if (file.length < 64 || file.toString('latin1', 0, 2) !== 'MZ') return file.length
  const optional = file.readUInt32LE(0x3c) + 24
  const directories = optional + (file.readUInt16LE(optional) === 0x20b ? 112 : 96)
  const certificates = file.readUInt32LE(directories + 4 * 8)
  if (certificates === 0) return file.length
  for (let k = 0; k <= 7; k++) {
    const end = certificates - k
    if (file.toString('latin1', end - 8, end) === magic && file.subarray(end, certificates).every((byte) => byte === 0)) return end
  }
  return file.length
}

/** The index and payload start of a one-file executable written by pack-payload.ts (signed or not). */
export function readIndex(file: Buffer): { index: Index; payloadStart: number } {
  const end = payloadEnd(file)
  const footer = file.subarray(end - footerBytes, end)
  if (footer.toString('latin1', 64) !== magic || !readableFormats.includes(footer.readUInt32LE(56))) throw new Error(`taupy package: no payload footer at the end of the packaged file`)
  const payloadStart = Number(footer.readBigUInt64LE(0))
  const indexStart = Number(footer.readBigUInt64LE(8))
  const indexLen = Number(footer.readBigUInt64LE(16))
  return { index: JSON.parse(file.toString('utf8', indexStart, indexStart + indexLen)) as Index, payloadStart }
}

/**
 * The app's part of the one-file format on its own: `TAUPYAPP`, the app files' compressed
 * chunks (copied, not recompressed), the index with no runtime files, padding, the footer.
 * The launcher opens it like its own payload and checks it the same way (the footer hashes
 * the index, `chunksSha256.app` the app's chunks, unchanged since they are copied in the same
 * order; docs/one-file-format.md). Format 2, whatever the full file's: the app's chunks are
 * Brotli and the runtime's are left out, so the launchers already installed, which may read
 * only format 2, can open it.
 */
export function appOnlyPayload(full: Buffer): { bytes: Buffer; index: Index } {
  const { index, payloadStart } = readIndex(full)
  const head = Buffer.from(appOnlyMagic, 'latin1')
  const parts: Buffer[] = [head]
  let at = head.length
  const files = index.files.map((entry) => ({
    ...entry,
    chunks: entry.chunks.map(([offset, clen, ulen]): [number, number, number] => {
      parts.push(full.subarray(payloadStart + offset, payloadStart + offset + clen))
      const rebased: [number, number, number] = [at - head.length, clen, ulen]
      at += clen
      return rebased
    }),
  }))
  const chunksSha256 = { runtime: createHash('sha256').digest('hex'), app: index.chunksSha256.app }
  const appIndex: Index = { ...index, format: brotliFormatVersion, runtime: { id: index.runtime.id, files: [] }, files, chunksSha256 }
  const indexBytes = Buffer.from(JSON.stringify(appIndex), 'utf8')
  const indexStart = at
  parts.push(indexBytes)
  at += indexBytes.length
  const footer = paddedFooter({ payloadStart: head.length, indexStart, index: indexBytes, format: brotliFormatVersion, end: at })
  return { bytes: Buffer.concat([...parts, footer]), index: appIndex }
}

/** The `## 1.2.3` (or `## [1.2.3]`, `## v1.2.3 - date`) section of CHANGELOG.md, without its heading. */
export function releaseNotes(dir: string, version: string): string {
  const file = join(dir, 'CHANGELOG.md')
  if (!existsSync(file)) return ''
  const lines = readFileSync(file, 'utf8').split(/\r?\n/)
  const escaped = version.replace(/[.+]/g, '\\$&')
  const start = lines.findIndex((line) => new RegExp(`^##\\s+\\[?v?${escaped}\\]?(\\s|$)`).test(line))
  if (start < 0) return ''
  const end = lines.findIndex((line, i) => i > start && /^##\s/.test(line))
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim()
}

function signingKey(config: AppConfig) {
  const publicText = config.updates.publicKey
  if (!publicText) throw new Error('taupy package: --release needs "taupy.updates.publicKey" in package.json; run `npm run keygen` first')
  const path = process.env.TAUPY_SIGNING_KEY || defaultKeyFile(config)
  if (!existsSync(path)) throw new Error(`taupy package: no signing key at ${path}; set TAUPY_SIGNING_KEY to the file \`npm run keygen\` wrote`)
  const key = privateKeyFrom(readFileSync(path, 'utf8'))
  publicKeyFrom(publicText)
  if (publicKeyText(createPublicKey(key)) !== publicText) {
    throw new Error(`taupy package: the signing key ${path} does not match "taupy.updates.publicKey" in package.json (installed apps would refuse the update)`)
  }
  return key
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** Writes dist/release/ for one packaged target; returns update.json's path. */
export async function writeRelease(config: AppConfig, file: string, targetId: string): Promise<string> {
  const key = signingKey(config)
  const dir = releaseDir(config)
  mkdirSync(dir, { recursive: true })
  const handle = await open(file, 'r')
  const full = await handle.readFile()
  await handle.close()
  const { bytes: appOnly, index } = appOnlyPayload(full)
  const fullName = basename(file)
  const appName = `${appId(config.name)}-${targetId}-${config.version}.app.taupy`
  // A hard link where the disk allows (the next package writes a new file, never into this one).
  rmSync(join(dir, fullName), { force: true })
  try {
    linkSync(file, join(dir, fullName))
  } catch {
    copyFileSync(file, join(dir, fullName))
  }
  writeFileSync(join(dir, appName), appOnly)

  const manifestFile = join(dir, 'update.json')
  let manifest: UpdateManifest = { format: manifestFormat, app: index.app.id, version: config.version, date: new Date().toISOString(), notes: releaseNotes(config.dir, config.version), artifacts: {} }
  if (existsSync(manifestFile)) {
    const previous = JSON.parse(readFileSync(manifestFile, 'utf8')) as UpdateManifest
    // Another target of the same version: keep its artifacts.
    if (previous.version === config.version && previous.app === index.app.id) manifest = { ...manifest, artifacts: previous.artifacts }
  }
  manifest.artifacts[targetId] = {
    runtime: index.runtime.id,
    app: { url: appName, size: appOnly.length, sha256: sha256(appOnly) },
    full: { url: fullName, size: full.length, sha256: sha256(full) },
  }
  const signed = signManifest(manifest, key)
  writeFileSync(`${manifestFile}.partial`, `${JSON.stringify(signed, null, 2)}\n`)
  renameSync(`${manifestFile}.partial`, manifestFile)
  console.error(`taupy: ${manifestFile} signed (${targetId}: app-only update ${appOnly.length} bytes, full file ${full.length} bytes)`)
  return manifestFile
}
