// Browser-only code for the widgets UI: the server knows the instant but not the viewer's time
// zone or locale, so this hook shows a <time datetime="…"> in local time and tells the server
// which zone that is. It runs in the browser (bundled into app.js), never on the server.
import type { Hook } from '../../taupy/widgets/client/start.js'

const format = (el: HTMLElement): void => {
  const instant = new Date(el.getAttribute('datetime') ?? '')
  if (!Number.isNaN(instant.getTime())) el.textContent = instant.toLocaleTimeString(undefined, { timeStyle: 'medium' })
}

const sendTimeZone: Hook['reconnected'] = (_el, ctx) =>
  void ctx.pushEvent('timeZone', Intl.DateTimeFormat().resolvedOptions().timeZone)

export const localTime: Hook = {
  mounted(el, ctx) {
    format(el)
    sendTimeZone(el, ctx)
  },
  // A restarted backend has forgotten the zone.
  reconnected: sendTimeZone,
  // A patch writes the server's UTC text back; show local time again.
  updated: format,
}
