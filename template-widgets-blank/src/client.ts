// The browser side: the widgets runtime. Client hooks (browser-only code for elements rendered
// with hook(name)) are passed here: startWidgets({ hooks: { … } }); see taupy/docs/widgets.md.
import { startWidgets } from '../taupy/widgets/client/start.js'

startWidgets()
