// Typed API over the launcher protocol: `win.setTitle()`, `win.on('close_requested', …)`,
// `await dialog.openFile()`. Without a launcher (browser mode) window calls warn once and do
// nothing; calls that must return something real (dialogs, eval) reject with LauncherUnavailableError.
import type {
  Command, ConfirmResult, DialogLevel, Event, EventType, FileDialogOptions, FileDialogResult, Id, MenuItem,
  NotifyOptions, NotifyResult, SaveDialogResult, TrayOptions,
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
  preventDefault(): void
  readonly defaultPrevented: boolean
}

type EventOf<T extends EventType> = Extract<Event, { type: T }>
export type WindowEventMap = { [T in Exclude<EventType, 'reply' | 'close_requested'>]: EventOf<T> } & {
  close_requested: CloseRequestedEvent
}
export type WindowEventName = keyof WindowEventMap

type Body<T extends Command['type']> = Omit<Extract<Command, { type: T }>, 'type' | 'id'>

const DEFAULT_TIMEOUT_MS = 10_000

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer?: NodeJS.Timeout
  command: string
}

export class LauncherClient {
  private nextId = 1
  private readonly pending = new Map<Id, Pending>()
  private readonly listeners = new Map<string, Set<(event: never) => void>>()
  private warned = false
  private subscribed = false

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

  on<K extends WindowEventName>(name: K, listener: (event: WindowEventMap[K]) => void): () => void {
    this.subscribe()
    let set = this.listeners.get(name)
    if (!set) this.listeners.set(name, (set = new Set()))
    set.add(listener as (event: never) => void)
    return () => this.off(name, listener)
  }

  off<K extends WindowEventName>(name: K, listener: (event: WindowEventMap[K]) => void): void {
    this.listeners.get(name)?.delete(listener as (event: never) => void)
  }

  private emit(name: string, event: unknown): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        ;(listener as (e: unknown) => void)(event)
      } catch (error) {
        console.error(`taupy: ${name} listener failed:`, error)
      }
    }
  }

  private dispatch(event: Event): void {
    if (event.type === 'reply') {
      const entry = this.pending.get(event.id)
      if (!entry) return
      this.pending.delete(event.id)
      if (entry.timer) clearTimeout(entry.timer)
      if (event.ok) entry.resolve(event.result)
      // A reply without a well-formed error still fails the call at once, not at its timeout.
      else entry.reject(new LauncherError(event.error?.code ?? 'failed', event.error?.message ?? 'the launcher refused the command', entry.command))
      return
    }
    if (event.type === 'error' && event.id !== undefined && this.pending.has(event.id)) {
      const entry = this.pending.get(event.id)!
      this.pending.delete(event.id)
      if (entry.timer) clearTimeout(entry.timer)
      entry.reject(new LauncherError(event.code, event.message, entry.command))
      return
    }
    if (event.type === 'close_requested') {
      let prevented = false
      const closeEvent: CloseRequestedEvent = {
        type: 'close_requested',
        preventDefault: () => {
          if (!prevented) this.channel.send({ type: 'prevent_close' })
          prevented = true
        },
        get defaultPrevented() {
          return prevented
        },
      }
      this.emit('close_requested', closeEvent)
      // Default action: quit. The launcher closes the window and our stdin; the channel's
      // shutdown hooks run and the process exits with 0.
      if (!prevented) this.channel.send({ type: 'exit', code: 0 })
      return
    }
    this.emit(event.type, event)
  }
}

export interface WindowApi {
  readonly available: boolean
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
  /** Closes the window and ends the app with `code`. */
  exit(code?: number): Promise<void>
  /** The window's menu bar ([] removes it); a chosen item → `on('menu_clicked')`. */
  setMenu(items: MenuItem[]): Promise<void>
  /** Changes one menu bar item in place (rejects with `unknown_menu_item`). */
  setMenuItem(item: string, change: { label?: string; enabled?: boolean; checked?: boolean }): Promise<void>
  /** A context menu at the pointer (e.g. when the page posts that it got a `contextmenu`). */
  popupMenu(items: MenuItem[]): Promise<void>
  on: LauncherClient['on']
  off: LauncherClient['off']
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

export function createWindowApi(client: LauncherClient): WindowApi {
  const c = <T extends Command['type']>(type: T, body?: Body<T>) => client.command(type, body ?? {})
  return {
    get available() {
      return client.available
    },
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
    openExternal: (url) => c('open_external', { url }),
    postMessage: (data) => c('post_message', { data }),
    eval: <T>(script: string, timeoutMs?: number) => client.request<T>('eval', { script }, timeoutMs),
    exit: (code = 0) => c('exit', { code }),
    setMenu: (items) => c('set_menu', { items }),
    setMenuItem: (item, change) => c('set_menu_item', { item, ...change }),
    popupMenu: (items) => c('popup_menu', { items }),
    on: (name, listener) => client.on(name, listener),
    off: (name, listener) => client.off(name, listener),
  }
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
    set: (options) => client.command('set_tray', options),
    remove: () => client.command('remove_tray'),
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

export function createDialogApi(client: LauncherClient): DialogApi {
  const ask = <T>(type: Command['type'], body: object) => client.request<T>(type, body, 0)
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
/** The app's window (no-ops with a warning when there is no launcher). */
export const win: WindowApi = createWindowApi(client)
/** The tray icon (no-ops with a warning when there is no launcher). */
export const tray: TrayApi = createTrayApi(client)
/** Desktop notifications. */
export const notifications: NotificationApi = createNotificationApi(client)
/** Native dialogs (reject with LauncherUnavailableError when there is no launcher). */
export const dialog: DialogApi = createDialogApi(client)
