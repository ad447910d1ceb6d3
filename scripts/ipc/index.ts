// The launcher IPC for a taupy backend. Spec: docs/ipc.md (protocol version 1).
export { win, dialog, attachLauncher, LauncherClient, LauncherError, LauncherUnavailableError, createWindowApi, createDialogApi } from './window.js'
export type { WindowApi, DialogApi, CloseRequestedEvent, WindowEventMap, WindowEventName } from './window.js'
export { connectLauncher, launcherChannel, LauncherChannel } from './stdio.js'
export type { ChannelOptions, ShutdownHook } from './stdio.js'
export * from './protocol.js'
export { frameLine, unframeLine, newIpcToken, ipcTokenVariable } from './framing.js'
