// Cleanup for what a page or component setup starts (timers, watchers, subscriptions outside
// State): it runs when the window is gone — its socket did not come back within the grace
// period, or the app is shutting down — and may be async.
import { activeSession } from './context.js'
import type { WidgetSession } from './session.js'

/** Call in a page or component setup: `const timer = setInterval(…); onCleanup(() => clearInterval(timer))`. */
export function onCleanup(callback: () => void | Promise<void>): void {
  activeSession<WidgetSession>().onClose(callback)
}
