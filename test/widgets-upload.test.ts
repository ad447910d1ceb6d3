// Uploads, server side, through a real WidgetSession and real temporary files: the limits hold
// against a client that lies about its file, and every temporary file is removed (delivered,
// cancelled, refused half-way, or left behind when the window closes). The browser side (picking
// files, progress, cancel) runs in the widgets template's own e2e test (test/extras.test.ts).
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { test } from 'node:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { component, html, select, upload, WidgetSession, type UploadedFile } from '../scripts/widgets/index.js'
import { clientMessages } from '../scripts/widgets/protocol.js'
import { uploadChunkBytes } from '../scripts/widgets/upload-chunk.js'
import { UploadRefused, UploadStore } from '../scripts/widgets/upload.js'

function open(onUpload: (files: UploadedFile[]) => void | Promise<void>) {
  const session = new WidgetSession({ routes: { '/': () => component(() => html`<div>${upload({ accept: ['.txt', 'image/*'], maxBytes: 10, maxFiles: 2, onUpload })}</div>`) } }, '/')
  const firstPaint = session.renderFirstPaint()
  session.attach(() => {})
  const target = /data-taupy-upload="([^"]+)"/.exec(firstPaint)![1]!
  return { session, target, store: UploadStore.of(session) }
}

const announce = (target: string, upload: number, name: string, size: number, mime = 'text/plain') => ({ type: 'upload' as const, ref: upload, target, upload, name, size, mime })
const chunk = (upload: number, text: string) => ({ type: 'chunk' as const, ref: 100 + upload, upload, data: Buffer.from(text).toString('base64') })

test('a whole file reaches the handler as a temporary file, removed when the handler returns', async () => {
  let seen: { file: UploadedFile; content: string } | undefined
  const { session, target, store } = open((files) => {
    seen = { file: files[0]!, content: readFileSync(files[0]!.path, 'utf8') }
  })
  await store.handle(announce(target, 1, '../../etc/notes.txt', 5))
  await store.handle(chunk(1, 'hello'))
  await session.handle({ type: 'event', ref: 2, target, event: 'change', value: '1' })
  assert.equal(seen?.content, 'hello')
  assert.equal(seen?.file.name, 'notes.txt', 'folders are stripped from the name')
  assert.ok(!seen!.file.path.includes('notes'), 'the temporary name is ours')
  assert.equal(existsSync(seen!.file.path), false, 'removed after the handler')
  assert.equal(store.openTransfers, 0)
  await session.close()
})

test('limits are checked on the server: size, type, count, and bytes beyond what was announced', async () => {
  const { session, target, store } = open(() => assert.fail('nothing is delivered'))
  await assert.rejects(store.handle(announce(target, 1, 'big.txt', 11)), (error: Error) => error instanceof UploadRefused && /big\.txt is 11 bytes; the limit is 10 bytes/.test(error.message))
  await assert.rejects(store.handle(announce(target, 2, 'tool.exe', 2, 'application/octet-stream')), /not accepted/)
  await assert.rejects(store.handle(announce(target, 3, 'fake.txt.exe', 2, 'text/plain')), /not accepted/, 'a file name ending is what counts for .txt')

  // A client that announces 4 bytes and sends 8: refused, and its partial file is gone.
  await store.handle(announce(target, 4, 'liar.txt', 4))
  await store.handle(chunk(4, 'abc'))
  await assert.rejects(store.handle(chunk(4, 'defgh')), /more bytes than announced/)
  assert.equal(store.openTransfers, 0)

  await store.handle(announce(target, 5, 'a.txt', 1))
  await store.handle(announce(target, 6, 'b.png', 1, 'image/png'))
  await assert.rejects(store.handle(announce(target, 7, 'c.txt', 1)), /at most 2 files/)
  // An incomplete file is not delivered.
  await session.handle({ type: 'event', ref: 8, target, event: 'change', value: '5,6' })
  await assert.rejects(store.handle(announce('c99.0', 9, 'x.txt', 1)), /no change handler c99\.0/)
  await session.close()
})

test('cancel and closing the window remove temporary files and their folder', async () => {
  const { session, target, store } = open(() => {})
  await store.handle(announce(target, 1, 'a.txt', 6))
  await store.handle(chunk(1, 'abc'))
  await store.handle(announce(target, 2, 'b.txt', 6))
  await store.handle(chunk(2, 'abc'))
  const paths = store.take(target, [1, 2])
  assert.deepEqual(paths, [], 'incomplete files are not taken')
  await store.handle({ type: 'cancel', ref: 3, upload: 1 })
  assert.equal(store.openTransfers, 1)
  await assert.rejects(store.handle(chunk(1, 'def')), /no upload 1/)
  // The folder, from the path of an (empty) whole file.
  await store.handle(announce(target, 5, 'c.txt', 0))
  const folder = dirname(store.take(target, [5])[0]!.path)
  assert.ok(existsSync(folder))
  await session.close()
  assert.equal(existsSync(folder), false, 'the window closed: its upload folder is gone')
})

test('only an upload widget takes files, and the schema bounds every upload message', async () => {
  const session = new WidgetSession({ routes: { '/': () => component(() => html`<div>${select({ options: ['a'], onChange: () => {} })}</div>`) } }, '/')
  const target = /data-on-change="([^"]+)"/.exec(session.renderFirstPaint())![1]!
  await assert.rejects(UploadStore.of(session).handle(announce(target, 1, 'a.txt', 1)), /is not an upload widget/)
  await session.close()

  const check = TypeCompiler.Compile(clientMessages)
  assert.ok(check.Check(announce('c1.0', 1, 'a.txt', 1)))
  assert.ok(check.Check({ type: 'chunk', ref: 1, upload: 1, data: 'A'.repeat(Math.ceil(uploadChunkBytes / 3) * 4) }))
  assert.ok(!check.Check({ type: 'chunk', ref: 1, upload: 1, data: 'A'.repeat(Math.ceil(uploadChunkBytes / 3) * 4 + 1) }), 'a chunk is at most 96 KiB')
  assert.ok(!check.Check({ ...announce('c1.0', 1, 'a.txt', 1), name: '' }))
  assert.ok(!check.Check({ ...announce('c1.0', 1, 'a.txt', -1) }))
  assert.ok(!check.Check({ type: 'cancel', ref: 1, upload: 0 }))
})
