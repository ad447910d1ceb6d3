// The app's place in the user's desktop, beyond its window: its URL schemes (deep links),
// start at login, and the clipboard. Each call asks the launcher and rejects with
// LauncherUnavailableError without one (browser mode).
import { launcherClient, type LauncherClient } from './window.js'

export interface DesktopApi {
  /**
   * Removes what registered the app's URL schemes (`"taupy": { "protocols": [...] }`) for this
   * user, e.g. from an "uninstall" action; resolves with the schemes removed. The packaged app
   * registers them again on its next start.
   */
  unregisterProtocols(): Promise<string[]>
  /** Start the app when the user logs in (XDG autostart on Linux, HKCU\…\Run on Windows), or not. */
  setAutostart(enabled: boolean): Promise<void>
  isAutostart(): Promise<boolean>
  clipboard: {
    /** The clipboard's text; null when it holds none (empty, an image…). */
    readText(): Promise<string | null>
    /** At most 1,048,576 characters. */
    writeText(text: string): Promise<void>
  }
}

export function createDesktopApi(client: LauncherClient): DesktopApi {
  return {
    unregisterProtocols: async () => (await client.request<{ removed: string[] }>('unregister_protocols')).removed,
    setAutostart: async (enabled) => {
      await client.request('set_autostart', { enabled })
    },
    isAutostart: async () => (await client.request<{ enabled: boolean }>('get_autostart')).enabled,
    clipboard: {
      readText: async () => (await client.request<{ text: string | null }>('read_clipboard')).text,
      writeText: async (text) => {
        await client.request('write_clipboard', { text })
      },
    },
  }
}

/** The app's desktop integration (rejects with LauncherUnavailableError without a launcher). */
export const desktop: DesktopApi = createDesktopApi(launcherClient())
