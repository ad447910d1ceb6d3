// The first page: a counter of this window's own, the shared todo list and the window title.
import { column, component } from '../../taupy/widgets/index.js'
import { counter } from '../components/counter.js'
import { todoList } from '../components/todos.js'
import { windowTitle } from '../components/window-title.js'

export function homePage() {
  const count = counter()
  const todos = todoList()
  const title = windowTitle()
  return component(() => column(count, todos, title))
}
