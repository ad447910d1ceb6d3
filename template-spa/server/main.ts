// The app's backend: the state the UI watches, the calls it makes, and (when built) the UI itself.
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dialog, LauncherUnavailableError, notifications, win, type WindowApi } from '../taupy/ipc/index.js'
import { appDataDir } from '../taupy/server/app-data.js'
import { createServer, serveStatic } from '../taupy/server/index.js'
import { CallFailure, createStore, loadState, saveState, serveApi } from '../taupy/sync/server.js'
import { api } from '../shared/api.js'
import { checkSignUp } from '../shared/signup.js'

const server = await createServer()

// The todos survive a restart: saved in the app data folder on every change, loaded at start.
// A missing, broken or outdated file falls back to the default (tests get a fresh folder).
const stateFile = join(appDataDir(), 'state.json')
const store = createStore(api, {
  counter: 0,
  title: process.env.TAUPY_APP_NAME ?? 'Taupy App',
  members: [],
  ...loadState(api, stateFile, { todos: [] }),
})
saveState(store, stateFile, ['todos'])
let nextTodoId = Math.max(0, ...store.get('todos').map((todo) => todo.id)) + 1

// Asks where to save, then writes the todos there (from the UI's button and the File menu).
async function exportTodos() {
  let path: string | null
  try {
    path = await dialog.saveFile({ title: 'Export todos', defaultPath: 'todos.json', filters: [{ name: 'JSON', extensions: ['json'] }] })
  } catch (error) {
    // A failure with a code the API declares: the UI can tell it from any other.
    if (error instanceof LauncherUnavailableError) {
      return new CallFailure('no_window', 'Exporting opens a save dialog, which needs the app window (npm start); a browser tab has none.')
    }
    throw error
  }
  if (path === null) return null
  await writeFile(path, JSON.stringify(store.get('todos'), null, 2) + '\n')
  return path
}

// A second native window on the app's About page (client-routed: the page of /about). It is a
// page of its own with its own connection; the server state it shows is the same.
let openingAbout: Promise<WindowApi> | undefined
async function openAboutWindow() {
  if (!win.available) return new CallFailure('no_window', 'A browser tab cannot open windows; the About page opens in the tab.')
  const open = win.window('about')
  if (open) return open.focus()
  // Two quick clicks open one window: the second waits for the first.
  openingAbout ??= win.createWindow('about', { url: '/about', title: `About ${process.env.TAUPY_APP_NAME ?? 'Taupy App'}`, width: 560, height: 520 })
  try {
    await openingAbout
  } finally {
    openingAbout = undefined
  }
}

serveApi(server.fastify, {
  api,
  store,
  calls: {
    increment: (by) => store.update('counter', (count) => count + by),
    resetCounter: () => store.set('counter', 0),
    addTodo(text) {
      const todo = { id: nextTodoId++, text: text.trim(), done: false }
      if (!todo.text) throw new Error('A todo needs some text.')
      store.update('todos', (todos) => [...todos, todo])
      return todo
    },
    toggleTodo: (id) => void store.update('todos', (todos) => todos.map((todo) => (todo.id === id ? { ...todo, done: !todo.done } : todo))),
    deleteTodo: (id) => void store.update('todos', (todos) => todos.filter((todo) => todo.id !== id)),
    async clearDone() {
      const done = store.get('todos').filter((todo) => todo.done).length
      if (done === 0) return 0
      // Code that must also run without a window (a browser tab, a test without one): ask
      // only where there is a window to ask in.
      const message = `Delete ${done} done ${done === 1 ? 'todo' : 'todos'}?`
      if (win.available && !(await dialog.confirm({ message, level: 'warning' }))) return 0
      store.update('todos', (todos) => todos.filter((todo) => !todo.done))
      return done
    },
    exportTodos,
    async setTitle(title) {
      store.set('title', title)
      await win.setTitle(title)
    },
    openAboutWindow,
    signUp(form) {
      const errors = checkSignUp(form)
      if (Object.keys(errors).length > 0) return { ok: false as const, errors }
      const member = { name: form.name.trim(), email: form.email.trim() }
      store.update('members', (members) => [...members, member])
      return { ok: true as const, greeting: `Welcome, ${member.name}!` }
    },
    failOnPurpose() {
      throw new Error('The backend failed on purpose (see failOnPurpose in server/main.ts).')
    },
  },
})

// The app runs once per user ("singleInstance" in package.json): starting it again brings this
// window to the front and hands over that start's arguments. They are user input, never code.
win.on('second_instance', ({ args }) => {
  const files = args.filter((arg) => !arg.startsWith('-'))
  if (files.length > 0) store.update('todos', (todos) => [...todos, ...files.slice(0, 10).map((file) => ({ id: nextTodoId++, text: `Look at ${file.slice(0, 200)}`, done: false }))])
})

// `npm run build` puts the UI beside this bundle; in dev, Vite serves it instead.
const webRoot = fileURLToPath(new URL('./web', import.meta.url))
if (existsSync(webRoot)) await serveStatic(server.fastify, { root: webRoot, spaFallback: true })

await server.listen()

// From the File menu: the window may be behind others by the time the file is written, so a
// notification says where it went; a click on it brings the window back.
async function exportFromMenu() {
  try {
    const path = await exportTodos()
    if (typeof path === 'string') await notifications.show({ tag: 'export', title: 'Todos exported', body: path })
  } catch (error) {
    console.error('export failed:', error)
  }
}

// The native menu bar (only under the launcher; a browser tab has none). Not awaited: a
// launcher older than protocol 2 answers `unknown_command`, which only gets logged.
if (win.available) {
  win.setMenu([
    { id: 'file', label: 'File', items: [
      { id: 'export', label: 'Export todos…', accelerator: 'CmdOrCtrl+E' },
      { type: 'separator' },
      { id: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' },
    ] },
    { id: 'counter', label: 'Counter', items: [{ id: 'reset', label: 'Reset counter' }] },
    { id: 'window', label: 'Window', items: [{ id: 'about', label: 'About (new window)' }] },
  ]).catch((error: Error) => console.error('taupy: no menu bar:', error.message))
  win.on('menu_clicked', ({ id }) => {
    if (id === 'export') void exportFromMenu()
    if (id === 'reset') store.set('counter', 0)
    if (id === 'about') void openAboutWindow().catch((error: Error) => console.error('About window:', error.message))
    if (id === 'quit') void win.exit()
  })
  win.on('notification_clicked', () => void win.show().then(() => win.focus()))
}
