// The app's self-updates (taupy/updates, docs in taupy/docs/updates.md): "update available",
// "downloading n %", then "restart to update". App-wide state at module level, fed by the
// updater's events once: every window shows the same status. Hidden while there is nothing to
// say (a dev run, an app without taupy.updates.url, no newer version).
import { updates } from '../../taupy/updates/index.js'
import { button, card, component, heading, html, row, state } from '../../taupy/widgets/index.js'

const status = state<{ text: string; restart: boolean; download: boolean }>({ text: '', restart: false, download: false })
updates.on('available', (info) => status.set({ text: `Update available: ${info.version}`, restart: false, download: !updates.autoDownload }))
updates.on('progress', ({ received, total }) => status.set({ text: `Downloading the update: ${Math.floor((received / total) * 100)} %`, restart: false, download: false }))
updates.on('downloaded', (info) => status.set({ text: `Version ${info.version} is ready.`, restart: true, download: false }))
updates.on('rolled-back', (versions) => status.set({ text: `Version ${versions.join(', ')} did not start; this is the previous version.`, restart: false, download: false }))
updates.on('error', () => {}) // logged by the updater; the next check tries again

export function updateStatus() {
  return component(() => {
    const { text, restart, download } = status.get()
    // A component renders one root element: an empty, hidden one while there is nothing to say.
    if (!text) return html`<div class="update-status" hidden></div>`
    return card(
      heading('Updates', 2),
      row(
        text,
        download ? button('Download', () => void updates.download().catch(() => {}), { class: 'update-download' }) : '',
        restart ? button('Restart to update', () => updates.restartToApply(), { class: 'update-restart' }) : '',
      ),
    )
  })
}
