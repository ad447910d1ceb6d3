// Splits a byte stream into lines with a cap on their length: a peer that sends a line of
// hundreds of MB costs us at most `maxBytes` of memory (docs/ipc.md "Limits").
import type { Readable } from 'node:stream'

export interface LineHandlers {
  line(text: string): void
  /** A line longer than the cap was dropped; `bytes` is its length. */
  tooLong(bytes: number): void
  end?(): void
}

export function readLines(input: Readable, maxBytes: number, on: LineHandlers): void {
  let parts: Buffer[] = []
  let length = 0
  const finish = (): void => {
    if (length > maxBytes) on.tooLong(length)
    else on.line(Buffer.concat(parts).toString('utf8').replace(/\r$/, ''))
    parts = []
    length = 0
  }
  input.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    let start = 0
    for (;;) {
      const newline = bytes.indexOf(0x0a, start)
      const piece = bytes.subarray(start, newline < 0 ? bytes.length : newline)
      length += piece.length
      if (length <= maxBytes) parts.push(piece)
      else parts = []
      if (newline < 0) break
      finish()
      start = newline + 1
    }
  })
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    if (length > 0) finish()
    on.end?.()
  }
  input.on('end', end)
  input.on('close', end)
}
