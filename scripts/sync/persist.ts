// State that survives a restart: values saved to a JSON file (in the app data folder) on every
// change, and loaded at start with a fallback for each one. A missing file is a first start; an
// unreadable one, or a value that no longer matches its schema (the app changed since it was
// saved), falls back to the default for that value, with a warning, and the old file is kept
// beside the new one so nothing the user made is silently lost.
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { ApiSpec, StateName, StateValues } from './api.js'
import type { StateStore } from './store.js'

const warn = (message: string): void => void process.stderr.write(`taupy: ${message}\n`)

/**
 * The values saved in `file` for the names in `fallback`, each checked against its schema;
 * whatever is missing or does not match is taken from `fallback`. Never throws for the file's
 * content: `createStore(api, { ...defaults, ...loadState(api, file, { todos: [] }) })`.
 */
export function loadState<Api extends ApiSpec, Names extends StateName<Api>>(
  api: Api,
  file: string,
  fallback: Pick<StateValues<Api>, Names>,
): Pick<StateValues<Api>, Names> {
  if (!existsSync(file)) return fallback
  const problems: string[] = []
  let saved: Record<string, unknown> = {}
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) saved = parsed as Record<string, unknown>
    else problems.push('it does not hold an object')
  } catch (error) {
    problems.push(`it cannot be read (${error instanceof Error ? error.message : String(error)})`)
  }
  const values: Record<string, unknown> = { ...fallback }
  for (const name of Object.keys(fallback)) {
    if (!Object.hasOwn(saved, name)) continue
    const check = TypeCompiler.Compile(api.state[name]!)
    if (check.Check(saved[name])) {
      values[name] = saved[name]
      continue
    }
    const first = check.Errors(saved[name]).First()
    problems.push(`"${name}" no longer matches its schema (${first ? `${first.path || '/'}: ${first.message}` : 'invalid'})`)
  }
  if (problems.length > 0) {
    const kept = `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}.bad`
    copyFileSync(file, kept)
    warn(`${file}: ${problems.join('; ')}. Started from the defaults for what could not be used; the old file is kept as ${kept}.`)
  }
  return values as Pick<StateValues<Api>, Names>
}

export interface SavedState {
  /** Writes now if a change is waiting (before exiting, for instance). */
  flush(): void
  /** Stops saving. */
  stop(): void
}

/**
 * Saves the named values to `file` whenever one changes: changes made together (in one tick)
 * are written once, to a temporary file renamed over the old one, so a crash mid-write never
 * leaves half a file.
 */
export function saveState<Api extends ApiSpec>(store: StateStore<Api>, file: string, names: readonly StateName<Api>[]): SavedState {
  const watched = new Set<string>(names)
  let waiting: ReturnType<typeof setImmediate> | undefined
  const flush = (): void => {
    if (waiting === undefined) return
    clearImmediate(waiting)
    waiting = undefined
    const values = Object.fromEntries(names.map((name) => [name, store.get(name)]))
    writeFileSync(`${file}.tmp`, JSON.stringify(values, null, 2) + '\n')
    renameSync(`${file}.tmp`, file)
  }
  const stop = store.onChange((name) => {
    if (watched.has(name) && waiting === undefined) waiting = setImmediate(flush)
  })
  process.once('exit', flush)
  return {
    flush,
    stop() {
      flush()
      stop()
      process.off('exit', flush)
    },
  }
}
