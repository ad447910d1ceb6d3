// The first page: the update status (when there is one), a counter of this window's own, the
// shared todo list, the window title and a second window (About).
import { column, component } from '../../taupy/widgets/index.js'
import { aboutWindow } from '../components/about-window.js'
import { counter } from '../components/counter.js'
import { todoList } from '../components/todos.js'
import { updateStatus } from '../components/update-status.js'
import { windowTitle } from '../components/window-title.js'

export function homePage() {
  const count = counter()
  const todos = todoList()
  const title = windowTitle()
  const update = updateStatus()
  const windows = aboutWindow()
  return component(() => column(update, count, todos, title, windows))
}
