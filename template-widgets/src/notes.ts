// The app's one note, shared by every window: read from the app data folder at startup, saved
// a second after the last change, and saved at once when the app stops (main.ts registers
// saveNow with server.onShutdown: window closed, SIGTERM, launcher gone alike).
import { mkdirSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { appDataDir } from '../taupy/server/index.js'
import { state } from '../taupy/widgets/index.js'

const file = join(appDataDir(), 'note.txt')
const read = (): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

export const note = state(read())
let saveTimer: NodeJS.Timeout | undefined

export async function saveNow(): Promise<void> {
  clearTimeout(saveTimer)
  saveTimer = undefined
  mkdirSync(appDataDir(), { recursive: true })
  await writeFile(file, note.peek())
}

export function setNote(text: string): void {
  note.set(text)
  clearTimeout(saveTimer)
  saveTimer = setTimeout(() => void saveNow(), 1000)
}
