// What the tooling needs to know about an app, read from its package.json: the one place an
// app author configures taupy ("taupy" key) and names the app ("productName").
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface AppConfig {
  dir: string
  name: string
  productName: string
  version: string
  /** Backend entry, bundled to dist/server.mjs. */
  server: string
  /** Browser entry bundled by esbuild to dist/web/app.js (widgets template). */
  client?: string
  /** The UI is a Vite project built to dist/web (React and Lit templates). */
  vite: boolean
  window: { width?: number; height?: number; minWidth?: number; minHeight?: number }
  /** Colours of the window before the backend is ready (the one-file packer's splash). */
  splash: { background?: string; foreground?: string }
  /** Self-updates (docs/updates.md): the manifest's URL and the Ed25519 public key (`taupy keygen`). */
  updates: { url?: string; publicKey?: string }
  outDir: string
  /** One running copy per user: a second start hands its args to the first. Default true. */
  singleInstance: boolean
  /** URL schemes the app handles (`myapp` for myapp://…), registered for the user by the packaged app. */
  protocols: string[]
}

interface PackageJson {
  name?: string
  productName?: string
  version?: string
  taupy?: {
    server?: string
    client?: string
    vite?: boolean
    window?: AppConfig['window']
    splash?: AppConfig['splash']
    singleInstance?: boolean
    protocols?: string[]
    updates?: AppConfig['updates']
  }
}

export function readConfig(dir: string): AppConfig {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
  const name = pkg.name ?? 'taupy-app'
  return {
    dir,
    name,
    productName: pkg.productName ?? name,
    version: pkg.version ?? '0.0.0',
    server: pkg.taupy?.server ?? 'src/main.ts',
    client: pkg.taupy?.client,
    vite: pkg.taupy?.vite ?? false,
    window: pkg.taupy?.window ?? {},
    splash: pkg.taupy?.splash ?? {},
    updates: pkg.taupy?.updates ?? {},
    outDir: join(dir, 'dist'),
    singleInstance: pkg.taupy?.singleInstance ?? true,
    protocols: protocolsOf(pkg.taupy?.protocols),
  }
}

export const serverBundle = (config: AppConfig): string => join(config.outDir, 'server.mjs')
export const webDir = (config: AppConfig): string => join(config.outDir, 'web')

/** `"protocols": ["myapp"]`: URL schemes (a letter, then letters, digits, `+ - .`). */
function protocolsOf(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((p) => typeof p === 'string' && /^[A-Za-z][A-Za-z0-9+.-]{0,63}$/.test(p))) {
    throw new Error('package.json "taupy.protocols" must be a list of URL schemes like ["myapp"] (a letter, then letters, digits, +, -, .)')
  }
  return value.map((p: string) => p.toLowerCase())
}
