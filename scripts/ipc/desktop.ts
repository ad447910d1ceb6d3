// The app's place in the user's desktop, beyond its window: its URL schemes (deep links).
// Each call asks the launcher and rejects with LauncherUnavailableError without one.
import { launcherClient, type LauncherClient } from './window.js'

export interface DesktopApi {
  /**
   * Removes what registered the app's URL schemes (`"taupy": { "protocols": [...] }`) for this
   * user, e.g. from an "uninstall" action; resolves with the schemes removed. The packaged app
   * registers them again on its next start.
   */
  unregisterProtocols(): Promise<string[]>
}

export function createDesktopApi(client: LauncherClient): DesktopApi {
  return {
    unregisterProtocols: async () => (await client.request<{ removed: string[] }>('unregister_protocols')).removed,
  }
}

/** The app's desktop integration (rejects with LauncherUnavailableError without a launcher). */
export const desktop: DesktopApi = createDesktopApi(launcherClient())
