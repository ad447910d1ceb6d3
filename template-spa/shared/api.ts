// The app's API, one definition for both ends: the server state the UI can watch and the calls
// it can make. The backend (server/main.ts) checks every call's arguments against these schemas.
// The UI imports only the types (`import type`): a value from here would put TypeBox in the
// browser bundle, and the build stops with an error if one does. Values the UI needs too live
// in shared/constants.ts.
import { Type, type Static } from '@sinclair/typebox'
import { defineApi } from '../taupy/sync/api.js'
import { limits } from './constants.js'

export const Todo = Type.Object({
  id: Type.Integer(),
  text: Type.String({ minLength: 1, maxLength: limits.todoText }),
  done: Type.Boolean(),
})
export type Todo = Static<typeof Todo>

export const SignUp = Type.Object({
  name: Type.String({ maxLength: 100 }),
  email: Type.String({ maxLength: 200 }),
  age: Type.String({ maxLength: 10 }),
})
export type SignUp = Static<typeof SignUp>

const SignUpErrors = Type.Partial(Type.Record(Type.KeyOf(SignUp), Type.String()))
export type SignUpErrors = Static<typeof SignUpErrors>

export const api = defineApi({
  state: {
    counter: Type.Integer(),
    todos: Type.Array(Todo),
    /** The window title, set from the UI through the backend. */
    title: Type.String(),
    members: Type.Array(Type.Object({ name: Type.String(), email: Type.String() })),
  },
  calls: {
    increment: { args: [Type.Integer({ minimum: -limits.step, maximum: limits.step })], result: Type.Integer() },
    resetCounter: { args: [] },
    addTodo: { args: [Type.String({ maxLength: limits.todoText })], result: Todo },
    toggleTodo: { args: [Type.Integer()] },
    deleteTodo: { args: [Type.Integer()] },
    /**
     * Saves the todos where the user picks in a native save dialog: the path, or null when they
     * cancel. The call waits as long as the dialog is open. In a browser tab there is no window
     * for the dialog, and it fails with the code the UI checks for.
     */
    exportTodos: { args: [], result: Type.Union([Type.String(), Type.Null()]), errors: ['no_window'] },
    /** Deletes the done todos, after asking in a native dialog when there is a window. Resolves with how many went. */
    clearDone: { args: [], result: Type.Integer() },
    setTitle: { args: [Type.String({ minLength: 1, maxLength: limits.title })] },
    /**
     * Opens the About page in a native window of its own (or brings it forward): its own page,
     * the same server state. A browser tab has no windows to open: it fails with the code the UI
     * checks for, and the UI shows the page in the tab instead.
     */
    openAboutWindow: { args: [], errors: ['no_window'] },
    signUp: {
      args: [SignUp],
      result: Type.Union([
        Type.Object({ ok: Type.Literal(true), greeting: Type.String() }),
        Type.Object({ ok: Type.Literal(false), errors: SignUpErrors }),
      ]),
    },
    /** Always throws: shows how a server error reaches the UI. */
    failOnPurpose: { args: [] },
  },
})
export type Api = typeof api
