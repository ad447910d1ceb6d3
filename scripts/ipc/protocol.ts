// The launcher IPC protocol, version 1: the TypeScript source of truth (spec: docs/ipc.md;
// the Rust twin is launcher/src/protocol.rs; both are tested against
// launcher/protocol-examples.json). Newline-delimited JSON objects with a `type`.
// Backend -> launcher: commands (on the backend's stdout). Launcher -> backend: events (stdin).

export const PROTOCOL_VERSION = 1

/** Longest protocol line either way, without token and newline (docs/ipc.md "Limits"). */
export const MAX_LINE_BYTES = 2 * 1024 * 1024
/** Longest page message (`window.taupy.postMessage`) or `post_message` data, as JSON. */
export const MAX_MESSAGE_BYTES = 1024 * 1024

export type Id = number | string

export interface FileFilter {
  name: string
  /** Without the dot: `['txt', 'md']`; `'*'` for all files. */
  extensions: string[]
}

export interface FileDialogOptions {
  title?: string
  multiple?: boolean
  /** A folder to start in, or (save dialog) a file path to suggest. */
  defaultPath?: string
  filters?: FileFilter[]
}

export type DialogLevel = 'info' | 'warning' | 'error'

interface Base<T extends string> {
  type: T
  /** Set it to get a `reply` event with the same id. */
  id?: Id
}

export type Command =
  | (Base<'ready'> & { url: string })
  | (Base<'set_title'> & { title: string })
  | (Base<'set_size'> & { width: number; height: number })
  | (Base<'set_min_size'> & { width: number; height: number })
  | (Base<'set_position'> & { x: number; y: number })
  | Base<'center'>
  | Base<'maximize'>
  | Base<'minimize'>
  | Base<'restore'>
  | (Base<'set_fullscreen'> & { fullscreen: boolean })
  | Base<'toggle_fullscreen'>
  | (Base<'set_always_on_top'> & { alwaysOnTop: boolean })
  | (Base<'set_decorations'> & { decorations: boolean })
  | (Base<'set_resizable'> & { resizable: boolean })
  | Base<'show'>
  | Base<'hide'>
  | Base<'focus'>
  | (Base<'navigate'> & { url: string })
  | Base<'reload'>
  | (Base<'eval'> & { script: string })
  | Base<'open_devtools'>
  | (Base<'open_external'> & { url: string })
  | (Base<'message_dialog'> & { title?: string; message: string; level?: DialogLevel })
  | (Base<'confirm_dialog'> & { title?: string; message: string; level?: DialogLevel })
  | (Base<'open_file_dialog'> & FileDialogOptions)
  | (Base<'open_folder_dialog'> & FileDialogOptions)
  | (Base<'save_file_dialog'> & FileDialogOptions)
  | (Base<'post_message'> & { data: unknown })
  | Base<'prevent_close'>
  | (Base<'exit'> & { code?: number })

export type CommandType = Command['type']

export interface ReplyError {
  code: string
  message: string
}

export type Event =
  | { type: 'window_ready'; protocol: number; platform: string }
  | { type: 'page_loaded'; url: string }
  | { type: 'close_requested' }
  | { type: 'resized'; width: number; height: number }
  | { type: 'moved'; x: number; y: number }
  | { type: 'focused' }
  | { type: 'blurred' }
  | { type: 'fullscreen_changed'; fullscreen: boolean }
  | { type: 'page_message'; data: unknown }
  | { type: 'navigation_blocked'; url: string; opened: boolean }
  | { type: 'reply'; id: Id; ok: true; result: unknown }
  | { type: 'reply'; id: Id; ok: false; error: ReplyError }
  | { type: 'error'; code: string; message: string; command?: string; id?: Id }

export type EventType = Event['type']

/** Results of the commands that answer with data. */
export interface FileDialogResult {
  cancelled: boolean
  paths: string[]
}
export interface SaveDialogResult {
  cancelled: boolean
  path: string | null
}
export interface ConfirmResult {
  confirmed: boolean
}

// Exhaustive lists (the `satisfies` clauses make the compiler check them against the unions).
const commandTypes = {
  ready: 1, set_title: 1, set_size: 1, set_min_size: 1, set_position: 1, center: 1, maximize: 1,
  minimize: 1, restore: 1, set_fullscreen: 1, toggle_fullscreen: 1, set_always_on_top: 1,
  set_decorations: 1, set_resizable: 1, show: 1, hide: 1, focus: 1, navigate: 1, reload: 1, eval: 1,
  open_devtools: 1, open_external: 1, message_dialog: 1, confirm_dialog: 1, open_file_dialog: 1,
  open_folder_dialog: 1, save_file_dialog: 1, post_message: 1, prevent_close: 1, exit: 1,
} satisfies Record<CommandType, 1>
const eventTypes = {
  window_ready: 1, page_loaded: 1, close_requested: 1, resized: 1, moved: 1, focused: 1, blurred: 1,
  fullscreen_changed: 1, page_message: 1, navigation_blocked: 1, reply: 1, error: 1,
} satisfies Record<EventType, 1>

export const COMMAND_TYPES = Object.keys(commandTypes) as CommandType[]
export const EVENT_TYPES = Object.keys(eventTypes) as EventType[]

/** Parses one line from the launcher; undefined when it is not a protocol event. */
export function parseEvent(line: string): Event | undefined {
  const text = line.trim()
  if (!text.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return undefined
    const type = (value as { type?: unknown }).type
    if (typeof type !== 'string' || !Object.hasOwn(eventTypes, type)) return undefined
    return value as Event
  } catch {
    return undefined
  }
}

/**
 * One unframed protocol line (JSON never contains a raw newline). What goes to the launcher is
 * framed with its token: `LauncherChannel.send` (framing.ts).
 */
export function encodeCommand(command: Command): string {
  return JSON.stringify(command) + '\n'
}
