// How the one-file writer compresses a group's chunks (docs/one-file-format.md): Brotli, which
// every launcher reads (the app's chunks: an app-only update is opened by the launcher already
// installed), or zstd, which decodes ~2× faster (the runtime's: Node's ~120 MiB are most of a
// first start). zstd comes from node:zlib (Node ≥ 22.15 / 23.8): in this process when it has
// it, else in a helper process run by a Node that does (on Node 20, the Node being embedded or
// the LTS for this machine), each chunk still compressed on libuv's threadpool.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { promisify } from 'node:util'
import * as zlib from 'node:zlib'
import { resolveNode, ltsNodeVersion, type NodeChoice } from './package-node.js'
import { hostTarget, isHost, type PackageTarget } from './package-target.js'

export type Codec = 'brotli' | 'zstd'

/** Compresses one chunk into a frame the launcher decodes on its own; `close` ends any helper. */
export interface ChunkCompressor {
  codec: Codec
  compress(data: Buffer): Promise<Buffer>
  close(): Promise<void>
}

/** Measured against 6 and 7 in bench/package.ts (docs/shipping.md has the numbers). */
export const defaultBrotliQuality = 5
/** Measured against 3–15 in bench/package.ts: the size of Brotli q5, decoded ~2× faster (docs/shipping.md). */
export const defaultZstdLevel = 9
const brotliWindowBits = 24

const brotli = promisify(zlib.brotliCompress)

export function brotliCompressor(quality = defaultBrotliQuality): ChunkCompressor {
  return {
    codec: 'brotli',
    compress: (data) =>
      brotli(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
          [zlib.constants.BROTLI_PARAM_LGWIN]: brotliWindowBits,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
    close: async () => {},
  }
}

/** node:zlib's zstd API (Node ≥ 22.15 / 23.8); @types/node 20 does not know it. */
type ZstdCompress = (data: Buffer, options: { params: Record<number, number> }, callback: (error: Error | null, result: Buffer) => void) => void
const zstdApi = zlib as unknown as { zstdCompress?: ZstdCompress; constants: { ZSTD_c_compressionLevel?: number } }

/** Whether Node `version` (e.g. 24.21.0) has zlib.zstdCompress. */
export function nodeHasZstd(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15)
}

export function zstdInProcess(level = defaultZstdLevel): ChunkCompressor {
  const compress = zstdApi.zstdCompress
  const levelParam = zstdApi.constants.ZSTD_c_compressionLevel
  if (!compress || levelParam === undefined) throw new Error(`taupy package: Node ${process.versions.node} has no zstd (Node 22.15 or later has)`)
  return {
    codec: 'zstd',
    compress: (data) => new Promise((resolve, reject) => compress(data, { params: { [levelParam]: level } }, (error, out) => (error ? reject(error) : resolve(out)))),
    close: async () => {},
  }
}

// The helper's whole program (CommonJS, run with `node -e`: the tooling is bundled, so there is
// no file of ours to point a Node at). Frames both ways: u32 id, u32 length, bytes (little-endian);
// replies come back as chunks finish, in any order. A failure ends it with a message on stderr.
const helperSource = `
const zlib = require('node:zlib')
const level = Number(process.env.TAUPY_ZSTD_LEVEL)
let parts = [], have = 0, need = 8, id = -1
process.stdin.on('data', (data) => {
  parts.push(data)
  have += data.length
  while (have >= need) {
    const all = parts.length === 1 ? parts[0] : Buffer.concat(parts, have)
    const body = all.subarray(0, need)
    parts = [all.subarray(need)]
    have -= need
    if (id < 0) { id = body.readUInt32LE(0); need = body.readUInt32LE(4); continue }
    const chunkId = id
    id = -1
    need = 8
    zlib.zstdCompress(body, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } }, (error, out) => {
      if (error) { console.error(error.message); process.exit(1) }
      const head = Buffer.alloc(8)
      head.writeUInt32LE(chunkId, 0)
      head.writeUInt32LE(out.length, 4)
      process.stdout.write(head)
      process.stdout.write(out)
    })
  }
})
`

/** zstd in a helper process run by `node` (a Node ≥ 22.15 for this machine). */
export function zstdInHelper(node: string, level = defaultZstdLevel): ChunkCompressor {
  const env: NodeJS.ProcessEnv = { ...process.env, TAUPY_ZSTD_LEVEL: String(level) }
  delete env.NODE_OPTIONS // the tooling's own loader flags are not for this Node
  const child = spawn(node, ['-e', helperSource], { stdio: ['pipe', 'pipe', 'pipe'], env })
  const waiting = new Map<number, { resolve: (out: Buffer) => void; reject: (error: Error) => void }>()
  let nextId = 0
  let stderr = ''
  let failure: Error | undefined
  const fail = (error: Error): void => {
    failure ??= error
    for (const pending of waiting.values()) pending.reject(failure)
    waiting.clear()
  }
  child.stderr.on('data', (data: Buffer) => (stderr += data))
  child.on('error', (error) => fail(new Error(`taupy package: the zstd helper (${node}) did not start: ${error.message}`)))
  child.on('exit', (code, signal) => {
    if (waiting.size > 0 || code !== 0) fail(new Error(`taupy package: the zstd helper (${node}) ended (${signal ?? `exit ${code}`}): ${stderr.trim()}`))
  })
  child.stdin.on('error', () => {}) // a helper that died is reported by 'exit'
  let parts: Buffer[] = []
  let have = 0
  let head: { id: number; length: number } | undefined
  child.stdout.on('data', (data: Buffer) => {
    parts.push(data)
    have += data.length
    for (;;) {
      const need = head ? head.length : 8
      if (have < need) return
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have)
      const body = all.subarray(0, need)
      parts = [all.subarray(need)]
      have -= need
      if (!head) {
        head = { id: body.readUInt32LE(0), length: body.readUInt32LE(4) }
        continue
      }
      waiting.get(head.id)?.resolve(Buffer.from(body)) // a copy: `all` may be a much larger buffer
      waiting.delete(head.id)
      head = undefined
    }
  })
  return {
    codec: 'zstd',
    compress: (data) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure)
        const id = nextId++
        waiting.set(id, { resolve, reject })
        const frame = Buffer.alloc(8)
        frame.writeUInt32LE(id, 0)
        frame.writeUInt32LE(data.length, 4)
        child.stdin.write(frame)
        child.stdin.write(data)
      }),
    close: async () => {
      if (!failure && child.exitCode === null && child.signalCode === null) {
        child.stdin.end()
        await Promise.race([once(child, 'exit'), once(child, 'error')])
      }
      if (failure) throw failure
    },
  }
}

/**
 * The runtime's compressor: zstd in this process (Node ≥ 22.15), else in a helper run by the
 * Node being embedded when it is for this machine and has zstd, else by the LTS for this
 * machine (fetched and cached like an embedded one). Brotli, said in one line, when none can be
 * had: the file works the same, its first start is slower.
 */
export async function runtimeCompressor(appDir: string, target: PackageTarget, node: NodeChoice, level = defaultZstdLevel): Promise<ChunkCompressor> {
  if (zstdApi.zstdCompress) return zstdInProcess(level)
  if (isHost(target) && nodeHasZstd(node.version)) return zstdInHelper(node.binary, level)
  try {
    const host = await resolveNode(appDir, hostTarget(), ltsNodeVersion, ` to compress Node's chunks with zstd (Node ${process.versions.node} has none; fetched once per app)`)
    return zstdInHelper(host.binary, level)
  } catch (error) {
    console.error(
      `taupy: Node ${process.versions.node} has no zstd and Node ${ltsNodeVersion} for this machine could not be fetched (${(error as Error).message.split('\n')[0]}); ` +
        `Node is packed with Brotli instead (the app works the same; its first start is slower)`,
    )
    return brotliCompressor()
  }
}
