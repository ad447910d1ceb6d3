// The third page: what long-lived UIs count on (typing under latency, pending states, regions
// the client owns, client-only commands, uploads, more widgets, streams).
import { column, component } from '../../taupy/widgets/index.js'
import { chart } from '../components/chart.js'
import { clientCommands } from '../components/commands.js'
import { activityLog } from '../components/log.js'
import { moreWidgets } from '../components/more-widgets.js'
import { notes } from '../components/notes.js'
import { pending } from '../components/pending.js'
import { typing } from '../components/typing.js'
import { uploads } from '../components/uploads.js'

export function extrasPage() {
  const parts = [typing(), pending(), chart(), clientCommands(), uploads(), moreWidgets(), activityLog(), notes()]
  return component(() => column(parts))
}
