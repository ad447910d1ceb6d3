// The one-file writer against an independent reader (test/helpers/one-file.ts): the launcher's
// bytes come first unchanged, every file comes back byte for byte from chunks of at most
// 8 MiB (zstd for the runtime, Brotli for the app), the footer's hash covers chunks and index,
// and the file's length is a multiple of 8.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { chunkBytes, writeOneFile, type PackedGroup } from '../scripts/cli/pack-payload.js'
import { appId } from '../scripts/cli/pack-launcher.js'
import { nodeHasZstd, runtimeCompressor, zstdInHelper } from '../scripts/cli/pack-codecs.js'
import { hostTarget } from '../scripts/cli/package-target.js'
import { repoRoot, tempDir } from './helpers/cli.js'
import { chunksHash, extractEntry, indexHash, readFooter, readIndex, zstdDecompress, zstdNode, type OneFileIndex } from './helpers/one-file.js'

const temp = tempDir('taupy-pack-payload-')
after(() => rmSync(temp, { recursive: true, force: true }))
const launcher = join(repoRoot, 'launcher/prebuilt/linux-x64/taupy-launcher')

function source(name: string, contents: Buffer | string): string {
  const file = join(temp, 'src', name)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, contents)
  return file
}

test('writes launcher + chunks + index + padding + footer, and every file reads back', async () => {
  // Half random (incompressible), half repetitive: 8 MiB pieces, zstd and Brotli all get exercised.
  const node = await zstdNode()
  const big = Buffer.concat([randomBytes(9 << 20), Buffer.alloc(9 << 20, 'taupy ')])
  const groups = {
    runtime: [{ path: 'node', source: source('node', big), mode: 0o755 }],
    app: [
      { path: 'dist/empty.txt', source: source('empty.txt', ''), mode: 0o644 },
      { path: 'dist/server.mjs', source: source('server.mjs', 'console.log(1)\n'), mode: 0o644 },
    ],
  }
  let seen: Record<string, PackedGroup> = {}
  const out = join(temp, 'packed')
  const bytes = await writeOneFile(out, {
    launcher,
    groups,
    compressors: { runtime: zstdInHelper(node) },
    index: (packed) => ((seen = packed), { format: 1, runtime: { codec: packed.runtime!.codec, files: packed.runtime!.entries }, files: packed.app!.entries }),
  })

  assert.equal(statSync(out).size, bytes)
  assert.equal(bytes % 8, 0, 'a multiple of 8 long')
  assert.equal(statSync(out).mode & 0o777, 0o755)
  assert.ok(!existsSync(`${out}.partial`))
  const contents = readFileSync(out)
  const launcherBytes = readFileSync(launcher)
  assert.ok(contents.subarray(0, launcherBytes.length).equals(launcherBytes), 'the launcher comes first, unchanged')

  const footer = readFooter(out)!
  assert.equal(footer.payloadStart, launcherBytes.length)
  assert.equal(footer.version, 3, 'format 3: a zstd group')
  assert.equal(readIndex(out, footer).format, 3, 'the writer sets the format')
  assert.deepEqual([seen.runtime!.codec, seen.app!.codec], ['zstd', 'brotli'])
  assert.equal(footer.reserved, 0)
  assert.equal(footer.at + 72, bytes, 'no bytes after the footer')
  assert.ok(contents.subarray(footer.indexStart + footer.indexLen, footer.at).every((byte) => byte === 0), 'zero padding')
  assert.ok(footer.at - (footer.indexStart + footer.indexLen) < 8)
  // The footer's hash covers the index, the index's `chunksSha256` each group's chunks.
  assert.equal(indexHash(out, footer), footer.sha256)
  const hashes = (readIndex(out, footer) as OneFileIndex).chunksSha256

  const index = readIndex(out, footer) as unknown as { runtime: { files: Parameters<typeof extractEntry>[2][] }; files: Parameters<typeof extractEntry>[2][] }
  const nodeEntry = index.runtime.files[0]!
  assert.deepEqual(nodeEntry.chunks.map((chunk) => chunk[2]), [chunkBytes, chunkBytes, 2 << 20])
  assert.equal(nodeEntry.size, big.length)
  assert.equal(nodeEntry.mode, 0o755)
  const first = readFileSync(out).subarray(footer.payloadStart + nodeEntry.chunks[0]![0], footer.payloadStart + nodeEntry.chunks[0]![0] + 4)
  assert.equal(first.toString('hex'), '28b52ffd', 'a zstd frame')
  assert.ok(extractEntry(out, footer, nodeEntry, node).equals(big))
  assert.equal(chunksHash(out, footer, index.runtime.files), hashes.runtime)
  assert.equal(chunksHash(out, footer, index.files), hashes.app)
  assert.ok(nodeEntry.chunks.reduce((sum, chunk) => sum + chunk[1], 0) < big.length * 0.6, 'the repetitive half compresses')
  assert.deepEqual(index.files.map((entry) => [entry.path, entry.size, entry.chunks.length]), [['dist/empty.txt', 0, 0], ['dist/server.mjs', 15, 1]])
  assert.equal(extractEntry(out, footer, index.files[1]!).toString(), 'console.log(1)\n')
  // Chunks lie back to back from payload_start, and the index follows the last one.
  const all = [...index.runtime.files, ...index.files].flatMap((entry) => entry.chunks)
  let expected = 0
  for (const [offset, compressed] of all) {
    assert.equal(offset, expected)
    expected += compressed
  }
  assert.equal(footer.payloadStart + expected, footer.indexStart)
  assert.match(seen.app!.hash, /^[0-9a-f]{64}$/)
})

test('all Brotli is format 2, readable by launchers that know only Brotli', async () => {
  const out = join(temp, 'brotli')
  await writeOneFile(out, { launcher, groups: { app: [{ path: 'a.txt', source: source('a.txt', 'a'), mode: 0o644 }] }, index: () => ({ format: 3 }) })
  const footer = readFooter(out)!
  assert.equal(footer.version, 2)
  assert.equal(readIndex(out, footer).format, 2)
})

test('zstd comes from a helper Node when this one has none; a helper that fails fails the file', async () => {
  const target = hostTarget()
  const running = { binary: process.execPath, version: process.versions.node, source: 'running' as const }
  const compressor = await runtimeCompressor(join(repoRoot), target, running)
  assert.equal(compressor.codec, 'zstd', `Node ${process.versions.node}${nodeHasZstd(process.versions.node) ? ' (in process)' : ' (a helper)'}`)
  const data = Buffer.alloc(100_000, 'zstd ')
  assert.ok(zstdDecompress(await zstdNode(), await compressor.compress(data)).equals(data))
  await compressor.close()

  // A "Node" that is not one: the chunk fails with the helper's error, and no file is left.
  const broken = zstdInHelper('/bin/false')
  const out = join(temp, 'broken')
  await assert.rejects(
    writeOneFile(out, { launcher, groups: { runtime: [{ path: 'node', source: source('n', data), mode: 0o755 }] }, compressors: { runtime: broken }, index: () => ({}) }),
    /the zstd helper \(\/bin\/false\) ended \(exit 1\)/,
  )
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`))
})

test('no Node with zstd to be had: one line says so, Node is packed with Brotli, format 2', async () => {
  // Node 20 for this machine, and a registry that refuses connections with an empty npm cache
  // (npm would fall back to a cached copy): no helper Node.
  const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries, cache: process.env.npm_config_cache }
  process.env.npm_config_registry = 'http://127.0.0.1:9/'
  process.env.npm_config_fetch_retries = '0'
  process.env.npm_config_cache = join(temp, 'empty-npm-cache')
  const lines: string[] = []
  const error = console.error
  console.error = (line: string) => lines.push(line)
  let compressor
  try {
    compressor = await runtimeCompressor(join(temp, 'offline-app'), hostTarget(), { binary: process.execPath, version: '20.0.0', source: 'running' })
  } finally {
    console.error = error
    for (const [key, value] of [['npm_config_registry', saved.registry], ['npm_config_fetch_retries', saved.retries], ['npm_config_cache', saved.cache]] as const) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  if (nodeHasZstd(process.versions.node)) return assert.equal(compressor.codec, 'zstd', 'this Node has zstd itself')
  assert.equal(compressor.codec, 'brotli')
  assert.equal(lines.filter((line) => /packed with Brotli instead/.test(line)).length, 1, lines.join('\n'))
  const out = join(temp, 'offline')
  await writeOneFile(out, { launcher, groups: { runtime: [{ path: 'node', source: source('offline-node', 'node'), mode: 0o755 }] }, compressors: { runtime: compressor }, index: () => ({}) })
  assert.equal(readFooter(out)!.version, 2)
})

test('the group hash follows paths and contents: same files, same hash', async () => {
  const hashOf = async (path: string, contents: string): Promise<string> => {
    let hash = ''
    const file = source(`h-${path}`, contents)
    await writeOneFile(join(temp, 'hashed'), { launcher, groups: { app: [{ path, source: file, mode: 0o644 }] }, index: (packed) => ((hash = packed.app!.hash), {}) })
    return hash
  }
  const first = await hashOf('a.txt', 'one')
  assert.equal(await hashOf('a.txt', 'one'), first)
  assert.notEqual(await hashOf('a.txt', 'two'), first)
  assert.notEqual(await hashOf('b.txt', 'one'), first)
})

test('paths the reader would refuse are refused by the writer, and nothing is left behind', async () => {
  const file = source('x', 'x')
  for (const path of ['../x', '/etc/x', 'a//b', 'a\\b', 'c:x', './x', 'a/../b', '', 'a\nb']) {
    await assert.rejects(writeOneFile(join(temp, 'bad'), { launcher, groups: { app: [{ path, source: file, mode: 0o644 }] }, index: () => ({}) }), /cannot go into the file/, path)
    assert.ok(!existsSync(join(temp, 'bad.partial')))
  }
  const write = (paths: string[]) => writeOneFile(join(temp, 'bad'), { launcher, groups: { app: paths.map((path) => ({ path, source: file, mode: 0o644 })) }, index: () => ({}) })
  await assert.rejects(write(['.taupy-complete']), /the launcher's manifest/)
  await assert.rejects(write(['web/App.js', 'web/app.js']), /differ only in letter case/)
  assert.ok(!existsSync(join(temp, 'bad.partial')))
})

test('app.id is a folder name on every OS', () => {
  assert.equal(appId('my-app'), 'my-app')
  assert.equal(appId('@acme/My_App'), 'acme-my_app')
  assert.throws(() => appId('@/'), /nothing to name the cache folder/)
})
