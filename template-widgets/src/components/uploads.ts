// Uploads: pick files, watch them go, cancel one; the server checks size and type, and the
// handler gets whole files as temporary paths that are removed when it returns.
import { readFile } from 'node:fs/promises'
import { card, component, heading, html, state, upload } from '../../taupy/widgets/index.js'

interface Received {
  name: string
  size: number
  lines: number
}

export function uploads() {
  const received = state<Received[]>([])
  return component(() =>
    html`<section id="uploads">${card(
      heading('Uploads', 2),
      upload({
        id: 'files',
        label: 'Attach text files or images (2 MB each at most)',
        multiple: true,
        accept: ['.txt', '.md', 'image/*'],
        maxBytes: 2 * 1024 * 1024,
        onUpload: async (files) => {
          const read = await Promise.all(files.map(async (file) => ({ name: file.name, size: file.size, lines: file.type.startsWith('image/') ? 0 : (await readFile(file.path, 'utf8')).split('\n').length })))
          received.update((list) => [...list, ...read])
        },
      }),
      html`<ul class="received">${received.get().map((file) => html`<li>${file.name}: ${file.size} bytes${file.lines ? `, ${file.lines} lines` : ''}</li>`)}</ul>`,
    )}</section>`,
  )
}
