// The launcher IPC protocol, version 2: the TypeScript source of truth (spec: docs/ipc.md;
// the Rust twin is launcher/src/protocol.rs; both are tested against
// launcher/protocol-examples.json). Newline-delimited JSON objects with a `type`.
// Backend -> launcher: commands (on the backend's stdout). Launcher -> backend: events (stdin).

/**
 * 2 added single instance, deep links, autostart, the clipboard, menus, the tray icon,
 * notifications and more windows; v1 backends work unchanged.
 */
export const PROTOCOL_VERSION = 2

/** Longest protocol line either way, without token and newline (docs/ipc.md "Limits"). */
export const MAX_LINE_BYTES = 2 * 1024 * 1024
/** Longest page message (`window.taupy.postMessage`) or `post_message` data, as JSON. */
export const MAX_MESSAGE_BYTES = 1024 * 1024

export type Id = number | string

/** A window's id: the first window is `main`; others are named by `create_window`. */
export type WindowId = string
export const MAIN_WINDOW: WindowId = 'main'
/** How many windows may be open at once (the launcher refuses more). */
export const MAX_WINDOWS = 16
/** 1-64 characters of `[A-Za-z0-9_-]`: safe in logs, file names and element ids. */
export const WINDOW_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function isWindowId(value: unknown): value is WindowId {
  return typeof value === 'string' && WINDOW_ID_PATTERN.test(value)
}

/** `create_window`'s options (the id and url are its own arguments in the API). */
export interface CreateWindowOptions {
  /** A path on the app's origin (`/settings`), or an absolute URL on it. */
  url: string
  /** Default: the main window's title. At most 4,096 characters. */
  title?: string
  /** Logical pixels; default 800×600. */
  width?: number
  height?: number
  /** Default true. */
  resizable?: boolean
}

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

/** The tray icon: `icon` is an absolute path to a PNG (≤ 1 MiB, ≤ 1024 px a side). */
export interface TrayOptions {
  icon: string
  /** At most 127 characters (Windows' limit); the item's title on Linux. */
  tooltip?: string
  items?: MenuItem[]
}

/** A desktop notification. Title and body are cut to 63 and 255 characters (what Windows shows). */
export interface NotifyOptions {
  title: string
  body?: string
  /** An absolute path to a PNG, as for the tray. */
  icon?: string
  /** Names it: a click reports it, the same tag again replaces it. Default: `n1`, `n2`… */
  tag?: string
}
/** `notify`'s reply. */
export interface NotifyResult {
  tag: string
}

export type DialogLevel = 'info' | 'warning' | 'error'

/**
 * A menu item. Leaves need an `id` (what `menu_clicked` reports); an item with `items` is a
 * submenu. At most 8 levels, 2000 items, 256 characters per label; ids unique in one menu.
 */
export interface MenuItem {
  id?: string
  label?: string
  type?: 'normal' | 'checkbox' | 'separator'
  /** `Ctrl+Q`, `CmdOrCtrl+Shift+S`, `Alt+F4`, `F5`: modifiers, then a letter, digit, F1-F24 or key name. */
  accelerator?: string
  checked?: boolean
  /** Default true. */
  enabled?: boolean
  items?: MenuItem[]
}

interface Base<T extends string> {
  type: T
  /** Set it to get a `reply` event with the same id. */
  id?: Id
}
/** A command about one window: `window` names it (default `main`; not open → `unknown_window`). */
type Win<T extends string> = Base<T> & { window?: WindowId }

export type Command =
  | (Base<'ready'> & { url: string })
  | (Win<'set_title'> & { title: string })
  | (Win<'set_size'> & { width: number; height: number })
  | (Win<'set_min_size'> & { width: number; height: number })
  | (Win<'set_position'> & { x: number; y: number })
  | Win<'center'>
  | Win<'maximize'>
  | Win<'minimize'>
  | Win<'restore'>
  | (Win<'set_fullscreen'> & { fullscreen: boolean })
  | Win<'toggle_fullscreen'>
  | (Win<'set_always_on_top'> & { alwaysOnTop: boolean })
  | (Win<'set_decorations'> & { decorations: boolean })
  | (Win<'set_resizable'> & { resizable: boolean })
  | Win<'show'>
  | Win<'hide'>
  | Win<'focus'>
  | (Win<'navigate'> & { url: string })
  | Win<'reload'>
  | (Win<'eval'> & { script: string })
  | Win<'open_devtools'>
  | (Base<'open_external'> & { url: string })
  | (Win<'message_dialog'> & { title?: string; message: string; level?: DialogLevel })
  | (Win<'confirm_dialog'> & { title?: string; message: string; level?: DialogLevel })
  | (Win<'open_file_dialog'> & FileDialogOptions)
  | (Win<'open_folder_dialog'> & FileDialogOptions)
  | (Win<'save_file_dialog'> & FileDialogOptions)
  | (Win<'post_message'> & { data: unknown })
  | Win<'prevent_close'>
  /** `restart`: a packaged app starts again once the launcher has exited (updates.restartToApply). */
  | (Base<'exit'> & { code?: number; restart?: boolean })
  /** Removes the app's URL schemes registration for the user; replies `{ removed: string[] }`. */
  | Base<'unregister_protocols'>
  /** Start the app at the user's login (XDG autostart / HKCU\…\Run), or not. */
  | (Base<'set_autostart'> & { enabled: boolean })
  /** Replies `{ enabled: boolean }`. */
  | Base<'get_autostart'>
  /** Replies `{ text: string | null }` (null: no text on the clipboard). */
  | Base<'read_clipboard'>
  /** At most 1,048,576 characters. */
  | (Base<'write_clipboard'> & { text: string })
  | (Win<'set_menu'> & { items: MenuItem[] })
  | (Win<'popup_menu'> & { items: MenuItem[] })
  | (Win<'set_menu_item'> & { item: string; label?: string; enabled?: boolean; checked?: boolean })
  | (Base<'set_tray'> & TrayOptions)
  | Base<'remove_tray'>
  | (Base<'notify'> & NotifyOptions)
  /** Opens another window on the app's origin; replies null once it exists (`page_loaded` follows). */
  | (Base<'create_window'> & { window: WindowId } & CreateWindowOptions)
  /** Closes a window at once, without `close_requested`. Closing the last one ends nothing by itself. */
  | (Base<'close_window'> & { window: WindowId })

export type CommandType = Command['type']

export interface ReplyError {
  code: string
  message: string
}

/** Events about a window carry its id; a launcher older than more windows sends none (= `main`). */
type About = { window?: WindowId }

export type Event =
  | ({ type: 'window_ready'; protocol: number; platform: string } & About)
  | ({ type: 'page_loaded'; url: string } & About)
  /** `last`: it is the only window open (absent from older launchers: then it is). */
  | ({ type: 'close_requested'; last?: boolean } & About)
  | ({ type: 'resized'; width: number; height: number } & About)
  | ({ type: 'moved'; x: number; y: number } & About)
  | ({ type: 'focused' } & About)
  | ({ type: 'blurred' } & About)
  | ({ type: 'fullscreen_changed'; fullscreen: boolean } & About)
  | ({ type: 'page_message'; data: unknown } & About)
  | ({ type: 'navigation_blocked'; url: string; opened: boolean } & About)
  | { type: 'reply'; id: Id; ok: true; result: unknown }
  | { type: 'reply'; id: Id; ok: false; error: ReplyError }
  | ({ type: 'error'; code: string; message: string; command?: string; id?: Id } & About)
  /** A window is gone: the user closed it and the backend let it, or `close_window`. */
  | { type: 'window_closed'; window: WindowId }
  /** The app was started again (single instance): that start's args and working folder. Data only. */
  | { type: 'second_instance'; args: string[]; cwd: string }
  /** A link with one of the app's schemes (`"taupy": { "protocols": [...] }`) opened the app. */
  | { type: 'open_url'; url: string }
  /** From a window's menus (`window`) or the tray icon's (`tray: true`); `checked`: a checkbox's new state. */
  | { type: 'menu_clicked'; id: string; window?: WindowId; tray?: true; checked?: boolean }
  /** Windows only: AppIndicator hosts on Linux open the tray menu and send no click. */
  | { type: 'tray_clicked'; button: 'left' | 'right' | 'double' | 'middle' }
  /** `id`: the notification's tag; `action`: `default` (its body was clicked). */
  | { type: 'notification_clicked'; id: string; action: string }

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
// Commands: 2 = about one window (takes `window`), 1 = app-wide.
const commandTypes = {
  ready: 1, set_title: 2, set_size: 2, set_min_size: 2, set_position: 2, center: 2, maximize: 2,
  minimize: 2, restore: 2, set_fullscreen: 2, toggle_fullscreen: 2, set_always_on_top: 2,
  set_decorations: 2, set_resizable: 2, show: 2, hide: 2, focus: 2, navigate: 2, reload: 2, eval: 2,
  open_devtools: 2, open_external: 1, message_dialog: 2, confirm_dialog: 2, open_file_dialog: 2,
  open_folder_dialog: 2, save_file_dialog: 2, post_message: 2, prevent_close: 2, exit: 1,
  unregister_protocols: 1, set_autostart: 1, get_autostart: 1, read_clipboard: 1, write_clipboard: 1,
  set_menu: 2, popup_menu: 2, set_menu_item: 2, set_tray: 1, remove_tray: 1, notify: 1,
  create_window: 1, close_window: 1,
} satisfies Record<CommandType, 1 | 2>
const eventTypes = {
  window_ready: 1, page_loaded: 1, close_requested: 1, resized: 1, moved: 1, focused: 1, blurred: 1,
  fullscreen_changed: 1, page_message: 1, navigation_blocked: 1, reply: 1, error: 1,
  second_instance: 1, open_url: 1, menu_clicked: 1, tray_clicked: 1, notification_clicked: 1,
  window_closed: 1,
} satisfies Record<EventType, 1>

export const COMMAND_TYPES = Object.keys(commandTypes) as CommandType[]
/** The commands about one window, which take `window` (the others ignore it). */
export const WINDOW_COMMAND_TYPES = COMMAND_TYPES.filter((type) => commandTypes[type] === 2)
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
