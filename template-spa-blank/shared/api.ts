// The app's API, one definition for both ends: the server state the UI can watch and the calls
// it can make. The backend (server/main.ts) checks every call's arguments against these schemas.
// The UI imports only the types (`import type`): a value from here would put TypeBox in the
// browser bundle, and the build stops with an error if one does.
import { Type } from '@sinclair/typebox'
import { defineApi } from '../taupy/sync/api.js'

export const api = defineApi({
  state: {
    counter: Type.Integer(),
  },
  calls: {
    increment: { args: [Type.Integer({ minimum: -1000, maximum: 1000 })], result: Type.Integer() },
  },
})
export type Api = typeof api
