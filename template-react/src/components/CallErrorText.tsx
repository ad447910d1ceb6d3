import type { CallError } from '../../taupy/sync/client.ts'

/** The last failed call's message, with its code for styles and tests. */
export function CallErrorText({ error }: { error: CallError | undefined }) {
  return error ? (
    <p role="alert" data-error-code={error.code}>
      {error.message}
    </p>
  ) : null
}
