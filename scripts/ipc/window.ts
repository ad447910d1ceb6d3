// Typed API over the launcher protocol: `win.setTitle()`, `win.on('close_requested', …)`,
// `await dialog.openFile()`, `await win.createWindow('settings', { url: '/settings' })`. Without a
// launcher (browser mode) window calls warn once and do nothing; calls that must return something
// real (dialogs, eval, createWindow) reject with LauncherUnavailableError.
import {
  isWindowId, MAIN_WINDOW, type Command, type ConfirmResult, type CreateWindowOptions, type DialogLevel, type Event,
  type EventType, type FileDialogOptions, type FileDialogResult, type Id, type MenuItem, type NotifyOptions,
  type NotifyResult, type SaveDialogResult, type TrayOptions, type WindowId,
} from './protocol.js'
import { connectLauncher, launcherChannel, type LauncherChannel, type ShutdownHook } from './stdio.js'

export class LauncherUnavailableError extends Error {
  constructor(what: string) {
    super(`${what} needs the taupy launcher (the app is running without its native window)`)
    this.name = 'LauncherUnavailableError'
  }
}

export class LauncherError extends Error {
  constructor(readonly code: string, message: string, readonly command: string) {
    super(`${command}: ${message} (${code})`)
    this.name = 'LauncherError'
  }
}

/** Passed to 'close_requested' listeners. Call preventDefault() synchronously to keep the window. */
export interface CloseRequestedEvent {
  readonly type: 'close_requested'
  /** The window the user is closing. */
  readonly window: WindowId
  /** Whether it is the only window open (closing it would leave the app without a window). */
  readonly last: boolean
  preventDefault(): void
  readonly defaultPrevented: boolean
}

type EventOf<T extends EventType> = Extract<Event, { type: T }>
export type WindowEventMap = { [T in Exclude<EventType, 'reply' | 'close_requested'>]: EventOf<T> } & {
  close_requested: CloseRequestedEvent
}
export type WindowEventName = keyof WindowEventMap

type Body<T extends Command['type']> = Omit<Extract<Command, { type: T }>, 'type' | 'id' | 'window'>
type Listener = (event: never) => void

const DEFAULT_TIMEOUT_MS = 10_000

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer?: NodeJS.Timeout
  command: string
}

/** The window an event is about: its `window`, else `main` (app-wide events, older launchers). */
function windowOf(event: Event): WindowId {
  const window = (event as { window?: unknown }).window
  return typeof window === 'string' ? window : MAIN_WINDOW
}

/** The `window` field of a command: left out for `main`, so single-window apps send what they always did. */
export function addressed(window: WindowId): { window?: WindowId } {
  return window === MAIN_WINDOW ? {} : { window }
}

export class LauncherClient {
  private nextId = 1
  private readonly pending = new Map<Id, Pending>()
  /** Listeners per window, then per event name. App-wide events go to `main`'s. */
  private readonly listeners = new Map<WindowId, Map<string, Set<Listener>>>()
  /** The windows open as far as this backend knows: `main`, plus those it created and not yet closed. */
  private readonly open = new Set<WindowId>([MAIN_WINDOW])
  private warned = false
  private subscribed = false
  /** Set while the app shows a tray icon: closing the last window then hides it instead of exiting. */
  trayShown = false

  constructor(private readonly channel: LauncherChannel = launcherChannel()) {}

  /** True when running under taupy-launcher. */
  get available(): boolean {
    return this.channel.underLauncher
  }

  /** Starts handling launcher events (close requests, replies); listeners and requests call it too. */
  subscribe(): void {
    if (this.subscribed || !this.available) return
    this.subscribed = true
    this.channel.onEvent((event) => this.dispatch(event))
  }

  private warnOnce(what: string): void {
    if (this.warned) return
    this.warned = true
    console.warn(`taupy: ${what} ignored: no launcher (browser mode); window calls are no-ops here`)
  }

  /** Sends a command and waits for its reply. `timeoutMs: 0` waits forever (dialogs). */
  request<T = unknown>(type: Command['type'], body: object = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    this.subscribe()
    if (!this.available) return Promise.reject(new LauncherUnavailableError(type))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject, command: type }
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id)
          reject(new LauncherError('timeout', `no reply within ${timeoutMs} ms`, type))
        }, timeoutMs)
        entry.timer.unref?.()
      }
      this.pending.set(id, entry)
      if (!this.channel.send({ ...body, type, id } as Command)) {
        this.pending.delete(id)
        if (entry.timer) clearTimeout(entry.timer)
        reject(new LauncherUnavailableError(type))
      }
    })
  }

  /** Window commands: resolve when the launcher has applied them; a no-op without a launcher. */
  command(type: Command['type'], body: object = {}): Promise<void> {
    if (!this.available) {
      this.warnOnce(type)
      return Promise.resolve()
    }
    return this.request<unknown>(type, body).then(() => undefined)
  }

  /** Listens to one window's events (`main` also gets the app-wide ones). */
  on<K extends WindowEventName>(name: K, listener: (event: WindowEventMap[K]) => void, window: WindowId = MAIN_WINDOW): () => void {
    this.subscribe()
    let byName = this.listeners.get(window)
    if (!byName) this.listeners.set(window, (byName = new Map()))
    let set = byName.get(name)
    if (!set) byName.set(name, (set = new Set()))
    set.add(listener as Listener)
    return () => this.off(name, listener, window)
  }

  off<K extends WindowEventName>(name: K, listener: (event: WindowEventMap[K]) => void, window: WindowId = MAIN_WINDOW): void {
    this.listeners.get(window)?.get(name)?.delete(listener as Listener)
  }

  /** The windows open as far as this backend knows, `main` first when it is open. */
  windows(): WindowId[] {
    return [...this.open]
  }

  isOpen(window: WindowId): boolean {
    return this.open.has(window)
  }

  /** Bookkeeping once the launcher has made the window (create_window's reply). */
  opened(window: WindowId): void {
    this.open.add(window)
  }

  /** Bookkeeping once a window is gone (close_window's reply or window_closed). */
  closed(window: WindowId): void {
    this.open.delete(window)
  }

  private emit(window: WindowId, name: string, event: unknown): void {
    for (const listener of [...(this.listeners.get(window)?.get(name) ?? [])]) {
      try {
        ;(listener as (e: unknown) => void)(event)
      } catch (error) {
        console.error(`taupy: ${name} listener failed:`, error)
      }
    }
  }

  private settle(id: Id): Pending | undefined {
    const entry = this.pending.get(id)
    if (!entry) return undefined
    this.pending.delete(id)
    if (entry.timer) clearTimeout(entry.timer)
    return entry
  }

  private dispatch(event: Event): void {
    if (event.type === 'reply') {
      const entry = this.settle(event.id)
      if (!entry) return
      if (event.ok) entry.resolve(event.result)
      // A reply without a well-formed error still fails the call at once, not at its timeout.
      else entry.reject(new LauncherError(event.error?.code ?? 'failed', event.error?.message ?? 'the launcher refused the command', entry.command))
      return
    }
    if (event.type === 'error' && event.id !== undefined && this.pending.has(event.id)) {
      const entry = this.settle(event.id)!
      entry.reject(new LauncherError(event.code, event.message, entry.command))
      return
    }
    const window = windowOf(event)
    if (event.type === 'close_requested') return this.closeRequested(window, event.last ?? true)
    if (event.type === 'window_closed') {
      this.closed(window)
      this.emit(window, event.type, event)
      // A window created again later under the same id starts without the old one's listeners;
      // main's stay, since they also hear the app-wide events.
      if (window !== MAIN_WINDOW) this.listeners.delete(window)
      return
    }
    this.emit(window, event.type, event)
  }

  /**
   * The user closes a window: its listeners may keep it (preventDefault). Otherwise the default
   * (docs/window-api.md): a window that is not the last closes; the last one hides when the app
   * has a tray icon (it keeps running there), else the app exits.
   */
  private closeRequested(window: WindowId, last: boolean): void {
    let prevented = false
    const keep = (): void => void this.channel.send({ type: 'prevent_close', ...addressed(window) })
    const closeEvent: CloseRequestedEvent = {
      type: 'close_requested',
      window,
      last,
      preventDefault: () => {
        if (!prevented) keep()
        prevented = true
      },
      get defaultPrevented() {
        return prevented
      },
    }
    this.emit(window, 'close_requested', closeEvent)
    if (prevented) return
    if (!last) {
      this.channel.send({ type: 'close_window', window })
    } else if (this.trayShown) {
      // prevent_close first: it answers the request (and stops the launcher's close timeout)
      // whichever launcher this is; then the window goes to the tray.
      keep()
      this.channel.send({ type: 'hide', ...addressed(window) })
    } else {
      // Quit. The launcher closes the window and our stdin; the channel's shutdown hooks run and
      // the process exits with 0.
      this.channel.send({ type: 'exit', code: 0 })
    }
  }
}

/** One window: the main one (`win`) or one the app opened (`win.createWindow`). */
export interface WindowApi {
  readonly available: boolean
  /** `main` for the first window. */
  readonly id: WindowId
  setTitle(title: string): Promise<void>
  setSize(width: number, height: number): Promise<void>
  setMinSize(width: number, height: number): Promise<void>
  setPosition(x: number, y: number): Promise<void>
  center(): Promise<void>
  maximize(): Promise<void>
  minimize(): Promise<void>
  restore(): Promise<void>
  setFullscreen(fullscreen: boolean): Promise<void>
  toggleFullscreen(): Promise<void>
  setAlwaysOnTop(alwaysOnTop: boolean): Promise<void>
  setDecorations(decorations: boolean): Promise<void>
  setResizable(resizable: boolean): Promise<void>
  show(): Promise<void>
  hide(): Promise<void>
  focus(): Promise<void>
  navigate(url: string): Promise<void>
  reload(): Promise<void>
  openDevtools(): Promise<void>
  openExternal(url: string): Promise<void>
  /** Sends data to the page: `window.taupy.onMessage(fn)` receives it. */
  postMessage(data: unknown): Promise<void>
  /** Runs JS in the page and resolves with its (JSON-serialisable) completion value. */
  eval<T = unknown>(script: string, timeoutMs?: number): Promise<T>
  /** Closes every window and ends the app with `code`. */
  exit(code?: number): Promise<void>
  /** The window's menu bar ([] removes it); a chosen item → `on('menu_clicked')`. */
  setMenu(items: MenuItem[]): Promise<void>
  /** Changes one menu bar item in place (rejects with `unknown_menu_item`). */
  setMenuItem(item: string, change: { label?: string; enabled?: boolean; checked?: boolean }): Promise<void>
  /** A context menu at the pointer (e.g. when the page posts that it got a `contextmenu`). */
  popupMenu(items: MenuItem[]): Promise<void>
  /** Native dialogs modal to this window. */
  readonly dialog: DialogApi
  /**
   * Opens another window on the app's origin and resolves with its handle once it exists (it
   * shows at once; `page_loaded` follows). Rejects with `invalid_argument` (a bad or taken id, more
   * than 16 windows), `forbidden_origin` (a URL off the app's origin), `LauncherUnavailableError`
   * without a launcher (browser mode: open the page in the same tab instead).
   */
  createWindow(id: WindowId, options: CreateWindowOptions): Promise<WindowApi>
  /** The handle of an open window, or undefined. */
  window(id: WindowId): WindowApi | undefined
  /** The ids of the open windows. */
  windows(): WindowId[]
  /**
   * Closes this window at once (no `close_requested`). Closing the last one does not end the app:
   * call `exit()` for that, or keep running in the tray.
   */
  close(): Promise<void>
  /** This window's events (`main` also hears the app-wide ones: `second_instance`, `open_url`, tray and notification clicks). */
  on<K extends WindowEventName>(name: K, listener: (event: WindowEventMap[K]) => void): () => void
  off<K extends WindowEventName>(name: K, listener: (event: WindowEventMap[K]) => void): void
}

export interface DialogApi {
  message(options: { message: string; title?: string; level?: DialogLevel }): Promise<void>
  confirm(options: { message: string; title?: string; level?: DialogLevel }): Promise<boolean>
  /** One file, or null when cancelled. */
  openFile(options?: Omit<FileDialogOptions, 'multiple'>): Promise<string | null>
  /** Any number of files; [] when cancelled. */
  openFiles(options?: Omit<FileDialogOptions, 'multiple'>): Promise<string[]>
  openFolder(options?: Omit<FileDialogOptions, 'multiple' | 'filters'>): Promise<string | null>
  saveFile(options?: Omit<FileDialogOptions, 'multiple'>): Promise<string | null>
}

const ID_RULE = '1-64 characters of A-Z, a-z, 0-9, _ and -'

/** The handle of one window (`main` by default); handles are kept per client and id. */
export function createWindowApi(client: LauncherClient, id: WindowId = MAIN_WINDOW): WindowApi {
  const known = handles(client)
  const existing = known.get(id)
  if (existing) return existing
  const to = addressed(id)
  const c = <T extends Command['type']>(type: T, body?: Body<T>) => client.command(type, { ...body, ...to })
  const handle: WindowApi = {
    get available() {
      return client.available
    },
    id,
    setTitle: (title) => c('set_title', { title }),
    setSize: (width, height) => c('set_size', { width, height }),
    setMinSize: (width, height) => c('set_min_size', { width, height }),
    setPosition: (x, y) => c('set_position', { x, y }),
    center: () => c('center'),
    maximize: () => c('maximize'),
    minimize: () => c('minimize'),
    restore: () => c('restore'),
    setFullscreen: (fullscreen) => c('set_fullscreen', { fullscreen }),
    toggleFullscreen: () => c('toggle_fullscreen'),
    setAlwaysOnTop: (alwaysOnTop) => c('set_always_on_top', { alwaysOnTop }),
    setDecorations: (decorations) => c('set_decorations', { decorations }),
    setResizable: (resizable) => c('set_resizable', { resizable }),
    show: () => c('show'),
    hide: () => c('hide'),
    focus: () => c('focus'),
    navigate: (url) => c('navigate', { url }),
    reload: () => c('reload'),
    openDevtools: () => c('open_devtools'),
    openExternal: (url) => client.command('open_external', { url }),
    postMessage: (data) => c('post_message', { data }),
    eval: <T>(script: string, timeoutMs?: number) => client.request<T>('eval', { script, ...to }, timeoutMs),
    exit: (code = 0) => client.command('exit', { code }),
    setMenu: (items) => c('set_menu', { items }),
    setMenuItem: (item, change) => c('set_menu_item', { item, ...change }),
    popupMenu: (items) => c('popup_menu', { items }),
    dialog: createDialogApi(client, id),
    createWindow: async (newId, options) => {
      if (!isWindowId(newId)) throw new LauncherError('invalid_argument', `a window id is ${ID_RULE}; got ${JSON.stringify(newId)}`, 'create_window')
      await client.request('create_window', { ...options, window: newId })
      client.opened(newId)
      return createWindowApi(client, newId)
    },
    window: (other) => (client.isOpen(other) ? createWindowApi(client, other) : undefined),
    windows: () => client.windows(),
    close: async () => {
      await client.command('close_window', { window: id })
      client.closed(id)
    },
    on: (name, listener) => client.on(name, listener, id),
    off: (name, listener) => client.off(name, listener, id),
  }
  known.set(id, handle)
  return handle
}

const handlesByClient = new WeakMap<LauncherClient, Map<WindowId, WindowApi>>()
function handles(client: LauncherClient): Map<WindowId, WindowApi> {
  let known = handlesByClient.get(client)
  if (!known) handlesByClient.set(client, (known = new Map()))
  return known
}

export interface TrayApi {
  /**
   * Shows the tray icon, or updates it (icon, tooltip, menu). Its menu's items → `menu_clicked`
   * with `tray: true`; clicks on the icon → `tray_clicked` (Linux: middle, and left where the panel reports it). Rejects with
   * `tray_unavailable` (Linux without libayatana-appindicator3) or `invalid_argument` (the icon).
   */
  set(options: TrayOptions): Promise<void>
  remove(): Promise<void>
}

export function createTrayApi(client: LauncherClient): TrayApi {
  return {
    set: async (options) => {
      const before = client.trayShown
      client.trayShown = true // at once: a close request during the call already finds the tray
      try {
        await client.command('set_tray', options)
      } catch (error) {
        client.trayShown = before
        throw error
      }
    },
    remove: async () => {
      await client.command('remove_tray')
      client.trayShown = false
    },
  }
}

export interface NotificationApi {
  /**
   * Shows a desktop notification and resolves with its tag; a click on it →
   * `win.on('notification_clicked')` with that tag as `id` (show the window from there). Without
   * a launcher it warns once and resolves null. Rejects with `notifications_unavailable` when the
   * desktop has no notification server, `invalid_argument` for a bad icon.
   */
  show(options: NotifyOptions): Promise<string | null>
}

export function createNotificationApi(client: LauncherClient): NotificationApi {
  return {
    show: async (options) => {
      if (!client.available) {
        await client.command('notify')
        return null
      }
      return (await client.request<NotifyResult>('notify', options)).tag
    },
  }
}

/** Dialogs modal to window `id` (`main` by default). */
export function createDialogApi(client: LauncherClient, id: WindowId = MAIN_WINDOW): DialogApi {
  const ask = <T>(type: Command['type'], body: object) => client.request<T>(type, { ...body, ...addressed(id) }, 0)
  return {
    message: async (o) => {
      await ask('message_dialog', o)
    },
    confirm: async (o) => (await ask<ConfirmResult>('confirm_dialog', o)).confirmed,
    openFile: async (o = {}) => (await ask<FileDialogResult>('open_file_dialog', { ...o, multiple: false })).paths[0] ?? null,
    openFiles: async (o = {}) => (await ask<FileDialogResult>('open_file_dialog', { ...o, multiple: true })).paths,
    openFolder: async (o = {}) => (await ask<FileDialogResult>('open_folder_dialog', o)).paths[0] ?? null,
    saveFile: async (o = {}) => (await ask<SaveDialogResult>('save_file_dialog', o)).path,
  }
}

const client = new LauncherClient()

/**
 * Call once at backend start-up (the server core does): under the launcher, window events are
 * handled from now on, so a close request ends the app even if it never registered a listener,
 * and `onShutdown` runs before the process exits because the launcher went away.
 */
export function attachLauncher(onShutdown: ShutdownHook): boolean {
  if (!connectLauncher()) return false
  launcherChannel().onShutdown(onShutdown)
  client.subscribe()
  return true
}
/** The one client of this process (desktop.ts shares it). */
export function launcherClient(): LauncherClient {
  return client
}
/** The app's main window, and through it the others (no-ops with a warning when there is no launcher). */
export const win: WindowApi = createWindowApi(client)
/** The tray icon (no-ops with a warning when there is no launcher). */
export const tray: TrayApi = createTrayApi(client)
/** Desktop notifications. */
export const notifications: NotificationApi = createNotificationApi(client)
/** Native dialogs (reject with LauncherUnavailableError when there is no launcher). */
export const dialog: DialogApi = createDialogApi(client)
