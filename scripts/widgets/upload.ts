// Uploads: a file input whose files travel over the window's own /ws (already signed in with
// the app secret and tied to this session, so no second door to guard). Each file is announced,
// checked against the widget's limits, written chunk by chunk to a temporary file (the size is
// checked again as bytes arrive), and handed to onUpload with the other files of the pick. The
// temporary files are removed when the handler returns, on cancel, and when the window closes.
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { activeSession } from './context.js'
import { handlerId, type Handler } from './component.js'
import { attributes, bindingAttribute, html, type Html } from './html.js'
import type { UploadMessage } from './protocol.js'
import type { WidgetSession } from './session.js'
import type { FieldOptions } from './widgets.js'

export interface UploadedFile {
  /** The file's name on the user's machine (no folders); not a safe path. */
  name: string
  /** The type the browser declared (from the file name): do not trust it for security. */
  type: string
  size: number
  /** The temporary file; removed when onUpload returns. Move or copy it to keep it. */
  path: string
}

export interface UploadOptions extends Omit<FieldOptions, 'name'> {
  multiple?: boolean
  /** File name endings ('.png') or types ('image/png', 'image/*'); empty: anything. */
  accept?: readonly string[]
  /** Per file; default 10 MiB. */
  maxBytes?: number
  /** Per pick; default 10. */
  maxFiles?: number
  /** The files of one pick that arrived whole (refused and cancelled ones are left out). */
  onUpload: (files: UploadedFile[]) => void | Promise<void>
}

export class UploadRefused extends Error {}

interface Limits {
  accept: readonly string[]
  maxBytes: number
  maxFiles: number
}

interface Transfer {
  target: string
  file: UploadedFile
  written: number
  handle: FileHandle | undefined
}

/** How many files one window may have in flight or waiting for their handler. */
const maxOpenTransfers = 32

const limitsOf = new WeakMap<Handler, Limits>()
const stores = new WeakMap<WidgetSession, UploadStore>()

const size = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} kB` : `${bytes} bytes`

export function accepts(accept: readonly string[], name: string, type: string): boolean {
  const lowerName = name.toLowerCase()
  const lowerType = type.toLowerCase()
  return (
    accept.length === 0 ||
    accept.some((entry) => {
      const rule = entry.toLowerCase()
      if (rule.startsWith('.')) return lowerName.endsWith(rule)
      if (rule.endsWith('/*')) return lowerType.startsWith(rule.slice(0, -1))
      return lowerType === rule
    })
  )
}

/** One window's uploads: the transfers in flight and their temporary folder. */
export class UploadStore {
  #transfers = new Map<number, Transfer>()
  #dir: Promise<string> | undefined
  #session: WidgetSession

  constructor(session: WidgetSession) {
    this.#session = session
    session.onClose(() => this.#removeAll())
  }

  static of(session: WidgetSession): UploadStore {
    let store = stores.get(session)
    if (!store) stores.set(session, (store = new UploadStore(session)))
    return store
  }

  get openTransfers(): number {
    return this.#transfers.size
  }

  async handle(message: UploadMessage): Promise<void> {
    if (message.type === 'upload') return this.#start(message)
    const transfer = this.#transfers.get(message.upload)
    if (!transfer) throw new UploadRefused(`no upload ${message.upload} in this window (cancelled, refused or delivered)`)
    if (message.type === 'cancel') return this.#remove(message.upload)
    const bytes = Buffer.from(message.data, 'base64')
    const limits = limitsOf.get(this.#session.handlerFor(transfer.target, 'change'))!
    if (transfer.written + bytes.length > transfer.file.size || !transfer.handle) {
      await this.#remove(message.upload)
      throw new UploadRefused(`${transfer.file.name}: more bytes than announced`)
    }
    if (transfer.written + bytes.length > limits.maxBytes) {
      await this.#remove(message.upload)
      throw new UploadRefused(`${transfer.file.name} is larger than ${size(limits.maxBytes)}`)
    }
    await transfer.handle.write(bytes)
    transfer.written += bytes.length
    if (transfer.written === transfer.file.size) {
      await transfer.handle.close()
      transfer.handle = undefined
    }
  }

  async #start(message: Extract<UploadMessage, { type: 'upload' }>): Promise<void> {
    const limits = limitsOf.get(this.#session.handlerFor(message.target, 'change'))
    if (!limits) throw new UploadRefused(`${message.target} is not an upload widget`)
    if (this.#transfers.has(message.upload)) throw new UploadRefused(`upload ${message.upload} was announced already`)
    const name = message.name.replace(/^.*[\\/]/, '')
    if (!accepts(limits.accept, name, message.mime)) throw new UploadRefused(`${name}: this type of file is not accepted (${limits.accept.join(', ')})`)
    if (message.size > limits.maxBytes) throw new UploadRefused(`${name} is ${size(message.size)}; the limit is ${size(limits.maxBytes)}`)
    const forTarget = [...this.#transfers.values()].filter((transfer) => transfer.target === message.target).length
    if (forTarget >= limits.maxFiles) throw new UploadRefused(`${name}: at most ${limits.maxFiles} files at once`)
    if (this.#transfers.size >= maxOpenTransfers) throw new UploadRefused(`${name}: too many uploads in flight in this window`)
    this.#dir ??= mkdtemp(join(tmpdir(), 'taupy-upload-'))
    // The temporary name is ours (a number), never the user's file name.
    const path = join(await this.#dir, String(message.upload))
    const handle = await open(path, 'wx', 0o600)
    this.#transfers.set(message.upload, { target: message.target, file: { name, type: message.mime, size: message.size, path }, written: 0, handle })
    if (message.size === 0) {
      await handle.close()
      this.#transfers.get(message.upload)!.handle = undefined
    }
  }

  /** The whole files among `ids` for `target`, taken out of the store (the caller removes them). */
  take(target: string, ids: readonly number[]): UploadedFile[] {
    const files: UploadedFile[] = []
    for (const id of ids) {
      const transfer = this.#transfers.get(id)
      if (!transfer || transfer.target !== target || transfer.handle || transfer.written !== transfer.file.size) continue
      this.#transfers.delete(id)
      files.push(transfer.file)
    }
    return files
  }

  async #remove(id: number): Promise<void> {
    const transfer = this.#transfers.get(id)
    if (!transfer) return
    this.#transfers.delete(id)
    await transfer.handle?.close()
    await rm(transfer.file.path, { force: true })
  }

  async #removeAll(): Promise<void> {
    for (const id of [...this.#transfers.keys()]) await this.#remove(id)
    if (this.#dir) await rm(await this.#dir, { recursive: true, force: true })
  }
}

/**
 * A file picker whose files go to the server with progress, size and type limits (checked on
 * the server) and cancel: upload({ label: 'Photos', multiple: true, accept: ['image/*'],
 * maxBytes: 5e6, onUpload: async (files) => … }).
 */
export function upload(options: UploadOptions): Html {
  const limits: Limits = { accept: options.accept ?? [], maxBytes: options.maxBytes ?? 10 * 1024 * 1024, maxFiles: options.maxFiles ?? 10 }
  const handler: Handler = async (event) => {
    const session = activeSession<WidgetSession>()
    const ids = (event.value ?? '').split(',').map(Number).filter(Number.isInteger)
    const files = UploadStore.of(session).take(target, ids)
    try {
      if (files.length > 0) await options.onUpload(files)
    } finally {
      await Promise.all(files.map((file) => rm(file.path, { force: true })))
    }
  }
  limitsOf.set(handler, limits)
  const target = handlerId('change', handler)
  const input = html`<input${attributes({
    type: 'file',
    id: options.id,
    class: options.class,
    multiple: options.multiple,
    disabled: options.disabled,
    accept: limits.accept.join(',') || undefined,
  })}${bindingAttribute('data-taupy-upload', target)}${options.hook}>`
  const label = options.label === undefined ? input : html`<label class="taupy-field"><span class="taupy-label">${options.label}</span>${input}</label>`
  // The list is the client's: it shows progress, refusals and cancel buttons (client/upload.ts).
  return html`<div class="taupy-upload">${label}<ul${attributes({ id: `${target.replace('.', '-')}-files`, class: 'taupy-upload-list', 'aria-live': 'polite', 'data-taupy-ignore': true })}></ul></div>`
}
