// Settings that survive restarts: one JSON file in the app data folder. Writes are atomic (a
// new file beside the old one, flushed, then renamed over it), so a crash, a power cut or a
// second window reading at the same moment sees the old settings or the new ones, never half.
import { randomUUID } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appDataDir } from './app-data.js'

export interface SettingsFile<T> {
  /** Where the file lives: `<appDataDir()>/settings.json` by default. */
  readonly path: string
  /** The saved settings over the defaults; the defaults alone before the first write. */
  read(): T
  /** Replaces the file atomically. */
  write(settings: T): void
}

/** Writes `contents` to `path` so readers only ever see the old file or the whole new one. */
export function writeFileAtomic(path: string, contents: string): void {
  const temp = `${path}.${randomUUID()}.tmp`
  try {
    const fd = openSync(temp, 'wx', 0o600)
    try {
      writeFileSync(fd, contents)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}

export function settingsFile<T extends object>(defaults: T, options: { name?: string; dir?: string } = {}): SettingsFile<T> {
  const path = join(options.dir ?? appDataDir(), options.name ?? 'settings.json')
  return {
    path,
    read() {
      let text: string
      try {
        text = readFileSync(path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(defaults)
        throw error
      }
      try {
        return { ...structuredClone(defaults), ...(JSON.parse(text) as Partial<T>) }
      } catch (error) {
        throw new Error(`${path} is not valid JSON (${(error as Error).message}); fix it or delete it to start from the defaults`)
      }
    },
    write(settings) {
      writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`)
    },
  }
}
