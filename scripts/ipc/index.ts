// The launcher IPC for a taupy backend. Spec: docs/ipc.md (protocol version 2).
export { win, dialog, tray, notifications, attachLauncher, createTrayApi, createNotificationApi, LauncherClient, LauncherError, LauncherUnavailableError, createWindowApi, createDialogApi, addressed } from './window.js'
export type { WindowApi, DialogApi, TrayApi, NotificationApi, CloseRequestedEvent, WindowEventMap, WindowEventName } from './window.js'
export { desktop, createDesktopApi } from './desktop.js'
export type { DesktopApi } from './desktop.js'
export { connectLauncher, launcherChannel, LauncherChannel } from './stdio.js'
export type { ChannelOptions, ShutdownHook } from './stdio.js'
export * from './protocol.js'
export { frameLine, unframeLine, newIpcToken, ipcTokenVariable } from './framing.js'
