// The browser side of upload(): when files are picked, each is announced, sent in chunks over
// /ws (one at a time, each acknowledged once written: the progress bar shows what the server
// has), and can be cancelled; the ids of the files that arrived whole then go to the widget's
// handler in one change event. The list of files is built here, with text nodes only.
import { uploadChunkBytes } from '../upload-chunk.js'

/** Sends a message with a ref; `done` gets the server's error message, or nothing on its ack. */
export type Request = (message: { type: string } & Record<string, unknown>, done: (error?: string) => void, element?: Element) => boolean

let lastUpload = 0

const base64 = (blob: Blob): Promise<string> =>
  new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(blob)
  })

const make = <K extends keyof HTMLElementTagNameMap>(tag: K, text = ''): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag)
  el.textContent = text
  return el
}

/** Sends one file; resolves to its upload id once it arrived whole, or 0. */
async function sendFile(file: File, target: string, list: Element | null, request: Request): Promise<number> {
  const id = ++lastUpload
  const item = make('li', `${file.name} `)
  const progress = make('progress')
  progress.max = file.size || 1
  progress.value = 0
  progress.setAttribute('aria-label', `Uploading ${file.name}`)
  const cancel = make('button', 'Cancel')
  cancel.type = 'button'
  cancel.className = 'taupy-button taupy-plain'
  item.append(progress, cancel)
  list?.append(item)
  let cancelled = false
  const call = (message: Record<string, unknown> & { type: string }): Promise<string | undefined> =>
    new Promise((resolve) => {
      if (!request({ ...message, upload: id }, resolve)) resolve('not connected')
    })
  const end = (text: string, failed = false): number => {
    progress.remove()
    cancel.remove()
    item.append(make(failed ? 'small' : 'span', text))
    if (failed) item.lastElementChild!.className = 'taupy-error'
    return 0
  }
  cancel.onclick = () => {
    cancelled = true
    void call({ type: 'cancel' })
    end('cancelled')
  }
  const refused = await call({ type: 'upload', target, name: file.name, size: file.size, mime: file.type })
  if (cancelled) return 0
  if (refused) return end(refused, true)
  for (let offset = 0; offset < file.size; offset += uploadChunkBytes) {
    const error = await call({ type: 'chunk', data: await base64(file.slice(offset, offset + uploadChunkBytes)) })
    if (cancelled) return 0
    if (error) return end(error, true)
    progress.value = Math.min(file.size, offset + uploadChunkBytes)
  }
  end('uploaded')
  return id
}

export function handleUploads(request: Request): void {
  document.addEventListener('change', (event) => {
    const input = event.target
    if (!(input instanceof HTMLInputElement) || !input.files) return
    const target = input.getAttribute('data-taupy-upload')
    if (!target) return
    const list = document.getElementById(`${target.replace('.', '-')}-files`)
    list?.replaceChildren()
    const files = [...input.files]
    input.value = ''
    void Promise.all(files.map((file) => sendFile(file, target, list, request))).then((ids) => {
      const whole = ids.filter((id) => id > 0)
      if (whole.length > 0) request({ type: 'event', target, event: 'change', value: whole.join(',') }, () => {}, input)
    })
  })
}
