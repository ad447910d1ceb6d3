// Applies a stream's row messages (stream.ts on the server) to its container, which patches
// leave alone (data-taupy-ignore). A row is found by its id; inserting a row whose id is
// already there replaces it in place. `data-limit` caps the rows, dropping from the other end.
import type { StreamMessage } from '../protocol.js'

export function applyStream(message: StreamMessage): void {
  const list = document.getElementById(message.id)
  if (!list) return console.warn(`taupy: stream ${message.id} is not in the page`)
  if (message.op === 'reset') return list.replaceChildren()
  if (message.op === 'delete') {
    for (const row of list.children) if (row.id === message.row) row.remove()
    return
  }
  const template = document.createElement('template')
  template.innerHTML = message.html ?? ''
  const row = template.content.firstElementChild
  if (!row) return
  const old = [...list.children].find((child) => child.id === row.id)
  if (old) old.replaceWith(row)
  else if (message.op === 'append') list.append(row)
  else if (message.op === 'prepend') list.prepend(row)
  const limit = Number(list.dataset.limit)
  while (limit > 0 && list.children.length > limit) (message.op === 'prepend' ? list.lastElementChild : list.firstElementChild)!.remove()
}
