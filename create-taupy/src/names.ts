// Project name helpers, after create-vite's: the folder name becomes the package name.
import { basename, resolve } from 'node:path'

export function formatTargetDir(dir: string): string {
  return dir.trim().replace(/[/\\]+$/g, '')
}

export function packageNameOf(targetDir: string): string {
  return basename(resolve(targetDir))
}

// npm's rules: lower case, URL-safe, at most 214 characters, optional @scope/.
const validName = /^(?:@[a-z\d\-*~][a-z\d\-*._~]*\/)?[a-z\d\-~][a-z\d\-._~]*$/

export function isValidPackageName(name: string): boolean {
  return name.length <= 214 && validName.test(name)
}

export function toValidPackageName(name: string): string {
  return (
    name
      .trim()
      .toLowerCase()
      .replace(/\s+/g, '-')
      .replace(/^[._]/, '')
      .replace(/[^a-z\d\-~]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'taupy-app'
  )
}

/** "my-cool_app" → "My Cool App": the window title a new app starts with. */
export function toProductName(packageName: string): string {
  const bare = packageName.replace(/^@[^/]+\//, '')
  return bare
    .split(/[-_.~]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ')
}

export type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun'

export function pkgFromUserAgent(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0]
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm'
}
