// The update manifest (`update.json`, docs/updates.md): its shape, the canonical bytes its
// Ed25519 signature covers, and the checks both the signer (taupy package --release) and the
// app's backend (taupy/updates) rely on. One module so that both sides agree byte for byte.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'

export const manifestFormat = 1
/** Signed bytes start with this, so a signature over anything else never verifies here. */
const domain = 'taupy-update-manifest-v1\n'

export interface Artifact {
  /** Relative to the manifest's own URL, or absolute (https). */
  url: string
  size: number
  sha256: string
}

export interface TargetArtifacts {
  /** The runtime id (Node) of this version's file: an app-only update needs the same one. */
  runtime: string
  /** The app-only payload. */
  app: Artifact
  /** The whole executable (when the runtime changed). */
  full: Artifact
}

export interface UpdateManifest {
  format: number
  /** The app id of the one-file index (the cache folder's name). */
  app: string
  version: string
  date: string
  notes: string
  artifacts: Record<string, TargetArtifacts>
  /** Ed25519 over `domain + canonical(manifest without signature)`, base64. */
  signature?: string
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function signedBytes(manifest: UpdateManifest): Buffer {
  const { signature: _signature, ...rest } = manifest
  return Buffer.from(domain + canonical(rest), 'utf8')
}

/** The public key as package.json holds it: the 32 raw bytes, base64url. */
export function publicKeyText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' })
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 key')
  return jwk.x
}

export function publicKeyFrom(text: string): KeyObject {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) throw new Error(`"taupy.updates.publicKey" must be the 43-character key \`taupy keygen\` wrote, not ${JSON.stringify(text)}`)
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' })
}

export function privateKeyFrom(pem: string): KeyObject {
  const key = createPrivateKey(pem)
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 key (make one with `npm run keygen`)')
  return key
}

export function signManifest(manifest: UpdateManifest, privateKey: KeyObject): UpdateManifest {
  return { ...manifest, signature: sign(null, signedBytes(manifest), privateKey).toString('base64') }
}

const hex64 = /^[0-9a-f]{64}$/
const semver = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

function checkArtifact(a: unknown, what: string): Artifact {
  const x = a as Artifact
  if (!x || typeof x.url !== 'string' || !Number.isSafeInteger(x.size) || x.size <= 0 || typeof x.sha256 !== 'string' || !hex64.test(x.sha256)) {
    throw new Error(`update manifest: ${what} needs url, size and sha256`)
  }
  return x
}

/** Parses and verifies a manifest's text; throws with the reason when it cannot be trusted. */
export function verifyManifest(text: string, publicKey: KeyObject): UpdateManifest {
  let m: UpdateManifest
  try {
    m = JSON.parse(text) as UpdateManifest
  } catch {
    throw new Error('update manifest: not JSON')
  }
  if (!m || typeof m !== 'object' || typeof m.signature !== 'string') throw new Error('update manifest: unsigned')
  if (!verify(null, signedBytes(m), publicKey, Buffer.from(m.signature, 'base64'))) {
    throw new Error('update manifest: the signature does not match this app\'s public key (signed by another key, or altered)')
  }
  if (m.format !== manifestFormat) throw new Error(`update manifest: format ${String(m.format)}, this app reads ${manifestFormat}`)
  if (typeof m.app !== 'string' || typeof m.version !== 'string' || !semver.test(m.version)) throw new Error('update manifest: no app id or version')
  for (const [target, t] of Object.entries(m.artifacts ?? {})) {
    if (typeof t.runtime !== 'string') throw new Error(`update manifest: ${target} has no runtime`)
    checkArtifact(t.app, `${target}.app`)
    checkArtifact(t.full, `${target}.full`)
  }
  return m
}

/** Semver order (pre-releases before their release); build metadata ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number[], string] => {
    const [core = '', pre = ''] = v.split('+')[0]!.split(/-(.*)/s)
    return [core.split('.').map(Number), pre]
  }
  const [ac, ap] = parse(a)
  const [bc, bp] = parse(b)
  for (let i = 0; i < 3; i++) if (ac[i] !== bc[i]) return (ac[i] ?? 0) - (bc[i] ?? 0)
  if (ap === bp) return 0
  if (!ap) return 1
  if (!bp) return -1
  return ap < bp ? -1 : 1
}
