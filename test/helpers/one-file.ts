// An independent reader of the one-file format (docs/one-file-format.md) for the tests: finds
// the footer as the launcher does, checks the hash, and decompresses an entry (zstd chunks in
// a Node that has zstd: the tests run on Node 20).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { brotliDecompressSync } from 'node:zlib'
import { resolveNode, ltsNodeVersion } from '../../scripts/cli/package-node.js'
import { hostTarget } from '../../scripts/cli/package-target.js'
import { repoRoot } from './cli.js'

export interface Footer {
  payloadStart: number
  indexStart: number
  indexLen: number
  sha256: string
  version: number
  reserved: number
  /** Where the footer starts. */
  at: number
}

export interface IndexEntry {
  path: string
  size: number
  mode: number
  chunks: [number, number, number][]
}

export interface OneFileIndex {
  format: number
  app: { id: string; name: string; version: string; build: string }
  runtime: { id: string; codec?: 'zstd'; files: IndexEntry[] }
  files: IndexEntry[]
  launch: { args: string[]; backend: string[]; env: Record<string, string> }
  splash: { title: string; background: string; foreground: string; html?: string }
  chunksSha256: { runtime: string; app: string }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length)
  const read = readSync(fd, buffer, 0, length, position)
  if (read !== length) throw new Error(`short read at ${position}`)
  return buffer
}

/** The PE security directory's file offset, or 0 (not a PE, or unsigned). */
export function peSecurityOffset(fd: number): number {
  const head = readAt(fd, 0, 64)
  if (head.toString('latin1', 0, 2) !== 'MZ') return 0
  const pe = head.readUInt32LE(0x3c)
  const optional = pe + 24
  const magic = readAt(fd, optional, 2).readUInt16LE(0)
  const directories = optional + (magic === 0x20b ? 112 : 96)
  return readAt(fd, directories + 4 * 8, 8).readUInt32LE(0)
}

export function readFooter(file: string): Footer | undefined {
  const fd = openSync(file, 'r')
  try {
    const end = peSecurityOffset(fd) || fstatSync(fd).size
    for (let k = 0; k <= 7; k++) {
      const magicAt = end - k - 8
      if (magicAt < 64) return undefined
      const tail = readAt(fd, magicAt, 8 + k)
      if (tail.toString('latin1', 0, 8) !== 'TAUPYPAK' || tail.subarray(8).some((byte) => byte !== 0)) continue
      const at = end - k - 72
      const footer = readAt(fd, at, 72)
      return {
        payloadStart: Number(footer.readBigUInt64LE(0)),
        indexStart: Number(footer.readBigUInt64LE(8)),
        indexLen: Number(footer.readBigUInt64LE(16)),
        sha256: footer.subarray(24, 56).toString('hex'),
        version: footer.readUInt32LE(56),
        reserved: footer.readUInt32LE(60),
        at,
      }
    }
    return undefined
  } finally {
    closeSync(fd)
  }
}

export function readIndex(file: string, footer: Footer): OneFileIndex {
  const fd = openSync(file, 'r')
  try {
    return JSON.parse(readAt(fd, footer.indexStart, footer.indexLen).toString('utf8')) as OneFileIndex
  } finally {
    closeSync(fd)
  }
}

/** SHA-256 of the index (what the footer holds in format 2), hex. */
export function indexHash(file: string, footer: Footer): string {
  const fd = openSync(file, 'r')
  try {
    return createHash('sha256').update(readAt(fd, footer.indexStart, footer.indexLen)).digest('hex')
  } finally {
    closeSync(fd)
  }
}

/** SHA-256 of the compressed chunks of `entries`, in order (the index's `chunksSha256`), hex. */
export function chunksHash(file: string, footer: Footer, entries: IndexEntry[]): string {
  const fd = openSync(file, 'r')
  const hash = createHash('sha256')
  try {
    for (const [offset, compressed] of entries.flatMap((entry) => entry.chunks)) hash.update(readAt(fd, footer.payloadStart + offset, compressed))
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

/** A Node for this machine with zlib's zstd: the LTS, cached under the repository's node_modules. */
export async function zstdNode(): Promise<string> {
  return (await resolveNode(repoRoot, hostTarget(), ltsNodeVersion)).binary
}

/** One zstd frame decoded by `node`'s zlib (each chunk is decoded on its own, as the launcher does). */
export function zstdDecompress(node: string, frame: Buffer): Buffer {
  const script = "process.stdout.write(require('node:zlib').zstdDecompressSync(require('node:fs').readFileSync(0)))"
  return execFileSync(node, ['-e', script], { input: frame, maxBuffer: 64 << 20 })
}

/** An entry's bytes; `zstdWith`: its chunks are zstd, decoded by that Node (zstdNode()). */
export function extractEntry(file: string, footer: Footer, entry: IndexEntry, zstdWith?: string): Buffer {
  const fd = openSync(file, 'r')
  const decode = (chunk: Buffer): Buffer => (zstdWith ? zstdDecompress(zstdWith, chunk) : brotliDecompressSync(chunk))
  try {
    return Buffer.concat(entry.chunks.map(([offset, compressed]) => decode(readAt(fd, footer.payloadStart + offset, compressed))))
  } finally {
    closeSync(fd)
  }
}
