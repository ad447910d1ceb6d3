import { useState } from 'react'
import type { CallError, CallOutcome } from '../../taupy/sync/client.ts'

/**
 * Runs a backend call made with `backend.attempt(…)` and keeps its last failure for display.
 * The outcome comes back as it is: `{ ok: true, value }` or `{ ok: false, error }`, where
 * `error.code` is one the call declares (typed) or a transport code such as `timeout`.
 */
export function useCallError() {
  const [error, setError] = useState<CallError>()
  const run = async <T, Code extends string>(attempt: Promise<CallOutcome<T, Code>>): Promise<CallOutcome<T, Code>> => {
    const outcome = await attempt
    setError(outcome.ok ? undefined : outcome.error)
    return outcome
  }
  return [error, run] as const
}
