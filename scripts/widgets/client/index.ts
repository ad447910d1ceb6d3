// The widgets browser runtime started with no client hooks, for a client entry of one line:
// `import '../taupy/widgets/client/index.js'`. With hooks, call startWidgets from ./start.js.
import { startWidgets } from './start.js'

startWidgets()
