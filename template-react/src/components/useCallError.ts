import { useState } from 'react'

/** Runs a backend call and keeps the message of its last failure for display. */
export function useCallError(): [string | undefined, <T>(call: Promise<T>) => Promise<T | undefined>] {
  const [error, setError] = useState<string>()
  const run = async <T,>(call: Promise<T>): Promise<T | undefined> => {
    try {
      const result = await call
      setError(undefined)
      return result
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
      return undefined
    }
  }
  return [error, run]
}
