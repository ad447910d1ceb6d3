// The writer of the one-file format (docs/one-file-format.md): the launcher's bytes, then each
// file cut into pieces of at most 8 MiB, each piece an independent Brotli stream or zstd frame
// (pack-codecs.ts), then the index (JSON), zero padding and the 72-byte footer. Pieces are
// compressed in parallel (libuv's threadpool, here or in the zstd helper) and written in order
// as they finish, so the output is streamed and never held in memory whole.
import { createHash, type Hash } from 'node:crypto'
import { open, readFile, rename, rm, chmod } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { brotliCompressor, type ChunkCompressor, type Codec } from './pack-codecs.js'

/** A file with a zstd group; format 2 files (all Brotli) are read by every launcher. */
export const formatVersion = 3
export const brotliFormatVersion = 2
/** What this tooling reads back (release.ts). */
export const readableFormats: readonly number[] = [brotliFormatVersion, formatVersion]
export const footerBytes = 72
export const magic = 'TAUPYPAK'
/** Uncompressed size of a chunk: the unit the launcher decompresses on one core. */
export const chunkBytes = 8 * 1024 * 1024

/** A file to pack: where it goes (relative, `/`), where it comes from, its POSIX mode. */
export interface SourceFile {
  path: string
  source: string
  mode: number
}

/** An index entry; chunk offsets are relative to payload_start. */
export interface Entry {
  path: string
  size: number
  mode: number
  chunks: [offset: number, compressed: number, uncompressed: number][]
}

export interface PackedGroup {
  entries: Entry[]
  /** SHA-256 over each file's path, size and contents, in order (hex). */
  hash: string
  codec: Codec
}

/**
 * The bytes after the index (which ends at `end`): zero padding, so that the whole file is a
 * multiple of 8 long (Authenticode then appends its certificate table without padding of its
 * own), and the 72-byte footer that hashes the index.
 */
export function paddedFooter(at: { payloadStart: number; indexStart: number; index: Buffer; format: number; end: number }): Buffer {
  const padding = (8 - ((at.end + footerBytes) % 8)) % 8
  const footer = Buffer.alloc(padding + footerBytes)
  footer.writeBigUInt64LE(BigInt(at.payloadStart), padding)
  footer.writeBigUInt64LE(BigInt(at.indexStart), padding + 8)
  footer.writeBigUInt64LE(BigInt(at.index.length), padding + 16)
  createHash('sha256').update(at.index).digest().copy(footer, padding + 24)
  footer.writeUInt32LE(at.format, padding + 56)
  footer.writeUInt32LE(0, padding + 60) // reserved
  footer.write(magic, padding + 64, 'latin1')
  return footer
}

/** What the reader refuses (docs/one-file-format.md), refused here first with the culprit named. */
export function checkEntryPath(path: string): void {
  const parts = path.split('/')
  const forbidden = (char: string): boolean => char === '\\' || char === ':' || char.charCodeAt(0) < 0x20
  if (path.startsWith('/') || [...path].some(forbidden) || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`taupy package: ${JSON.stringify(path)} cannot go into the file (paths are relative, use /, and have no empty, . or .. parts, \\, : or control characters)`)
  }
  // The name of the manifest the launcher writes beside the files.
  if (path === '.taupy-complete') throw new Error(`taupy package: ${JSON.stringify(path)} is the name of the launcher's manifest`)
}

/** Each path on its own, then no two that differ only in letter case (one folder, all OSes). */
export function checkEntryPaths(paths: readonly string[]): void {
  const seen = new Map<string, string>()
  for (const path of paths) {
    checkEntryPath(path)
    const other = seen.get(path.toLowerCase())
    if (other !== undefined) throw new Error(`taupy package: ${JSON.stringify(path)} and ${JSON.stringify(other)} differ only in letter case`)
    seen.set(path.toLowerCase(), path)
  }
}

/** The pieces of every file in order, read one at a time (a piece is at most chunkBytes). */
async function* pieces(files: SourceFile[], hash: Hash): AsyncGenerator<{ file: number; data: Buffer }> {
  for (const [index, file] of files.entries()) {
    const handle = await open(file.source, 'r')
    try {
      const size = (await handle.stat()).size
      hash.update(`${file.path}\0${size}\0`)
      for (let offset = 0; offset < size; offset += chunkBytes) {
        const data = Buffer.allocUnsafe(Math.min(chunkBytes, size - offset))
        const { bytesRead } = await handle.read(data, 0, data.length, offset)
        if (bytesRead !== data.length) throw new Error(`taupy package: ${file.source} changed while being packed`)
        hash.update(data)
        yield { file: index, data }
      }
    } finally {
      await handle.close()
    }
  }
}

export interface WriteOptions {
  /** The prebuilt launcher executable for the target. */
  launcher: string
  groups: Record<string, SourceFile[]>
  /**
   * Builds the index once the entries (and their hashes) are known; the writer adds
   * `chunksSha256` and `format` (3 when a group is zstd, else 2). The index names a group's
   * codec (`runtime.codec`): only the runtime may be zstd (docs/one-file-format.md).
   */
  index(groups: Record<string, PackedGroup>): unknown
  /** Per group; Brotli by default. The writer closes them. */
  compressors?: Record<string, ChunkCompressor>
}

/**
 * Writes `out` (through `<out>.partial`, renamed at the end, mode 0755) and returns its size.
 * The compressed chunks of all groups follow each other in the order given.
 */
export async function writeOneFile(out: string, options: WriteOptions): Promise<number> {
  try {
    return await write(out, options)
  } finally {
    // Ends the zstd helper, if any (its failure was already reported by a chunk's promise).
    await Promise.allSettled(Object.values(options.compressors ?? {}).map((compressor) => compressor.close()))
  }
}

async function write(out: string, options: WriteOptions): Promise<number> {
  const partial = `${out}.partial`
  const handle = await open(partial, 'w', 0o755)
  try {
    const launcher = await readFile(options.launcher) // ~0.5 MB
    await handle.write(launcher)
    const payloadStart = launcher.length
    let position = payloadStart
    const write = async (data: Buffer): Promise<void> => {
      await handle.write(data, 0, data.length, position)
      position += data.length
    }

    // At most `inFlight` pieces are read and compressing at once: enough for every core, bounded memory.
    const inFlight = Math.max(2, availableParallelism())
    const packed: Record<string, PackedGroup> = {}
    // Per group, the SHA-256 of its compressed chunks in index order: the launcher checks only
    // the group it extracts (a second app sharing an extracted runtime hashes its own chunks).
    const chunksSha256: Record<string, string> = {}
    const brotli = brotliCompressor()
    for (const [name, files] of Object.entries(options.groups)) {
      const compressor = options.compressors?.[name] ?? brotli
      // The reader takes every other group's chunks for Brotli (an app-only update must open in launchers that know no other).
      if (name !== 'runtime' && compressor.codec !== 'brotli') throw new Error(`taupy package: only the runtime's chunks may be ${compressor.codec}, not the ${name}'s`)
      const chunksHash = createHash('sha256')
      checkEntryPaths(files.map((file) => file.path))
      const entries: Entry[] = files.map((file) => ({ path: file.path, size: 0, mode: file.mode, chunks: [] }))
      const pending: { file: number; size: number; done: Promise<Buffer> }[] = []
      const flush = async (): Promise<void> => {
        const next = pending.shift()!
        const compressed = await next.done
        entries[next.file]!.chunks.push([position - payloadStart, compressed.length, next.size])
        entries[next.file]!.size += next.size
        chunksHash.update(compressed)
        await write(compressed)
      }
      const hash = createHash('sha256')
      for await (const piece of pieces(files, hash)) {
        const done = compressor.compress(piece.data)
        done.catch(() => {}) // awaited in order by flush; this only keeps a later failure from being "unhandled" meanwhile
        pending.push({ file: piece.file, size: piece.data.length, done })
        if (pending.length >= inFlight) await flush()
      }
      while (pending.length > 0) await flush()
      packed[name] = { entries, hash: hash.digest('hex'), codec: compressor.codec }
      chunksSha256[name] = chunksHash.digest('hex')
    }

    const indexStart = position
    // Format 3 only when it is needed: a file of Brotli chunks stays readable by format-2 launchers.
    const format = Object.values(packed).some((group) => group.codec !== 'brotli') ? formatVersion : brotliFormatVersion
    const index = Buffer.from(JSON.stringify({ ...(options.index(packed) as object), format, chunksSha256 }), 'utf8')
    await write(index)
    const footer = paddedFooter({ payloadStart, indexStart, index, format, end: position })
    await handle.write(footer, 0, footer.length, position)
    await handle.close()
    await chmod(partial, 0o755) // the umask may have taken bits from open's mode
    await rename(partial, out)
    return position + footer.length
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(partial, { force: true })
    throw error
  }
}
