// The browser side: the widgets runtime plus this app's client hooks (browser-only code that
// elements rendered with hook(name) run; see src/hooks).
import { startWidgets } from '../taupy/widgets/client/start.js'
import { localTime } from './hooks/local-time.js'
import { sparkline } from './hooks/sparkline.js'

startWidgets({ hooks: { localTime, sparkline } })
