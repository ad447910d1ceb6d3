// Values both ends use: the backend's schemas (shared/api.ts) and the UI. This file imports
// nothing, so the UI can import it freely; a value imported from shared/api.ts would put
// TypeBox in the browser bundle, and the build refuses that.
export const limits = {
  todoText: 200,
  title: 120,
  /** The counter moves by at most this much per call. */
  step: 1000,
} as const
