// One definition of an app's API, shared by the backend and the UI: the named pieces of server
// state the UI can subscribe to and the functions it can call, each described by a TypeBox
// schema. The backend validates with the schemas; the UI imports only the types (`import type`),
// so none of TypeBox reaches the browser bundle (the Vite plugin fails a build that breaks
// this: scripts/vite/server-only.ts).
import type { Static, TSchema } from '@sinclair/typebox'

export interface CallSpec {
  /** One schema per positional argument. */
  args: readonly TSchema[]
  /** Left out: the call resolves to nothing. */
  result?: TSchema
  /**
   * The error codes its handler may fail with (`return new CallFailure('no_window', …)`), so
   * the UI can tell one failure from another: `if (!outcome.ok && outcome.error.code === 'no_window')`.
   */
  errors?: readonly string[]
}

export interface ApiSpec {
  state: Readonly<Record<string, TSchema>>
  calls: Readonly<Record<string, CallSpec>>
}

/** Returns the definition as it is; it exists so TypeScript keeps the exact schema types. */
export function defineApi<const Api extends ApiSpec>(api: Api): Api {
  return api
}

export type StateName<Api extends ApiSpec> = keyof Api['state'] & string
export type StateValue<Api extends ApiSpec, Name extends StateName<Api>> = Static<Api['state'][Name]>
export type StateValues<Api extends ApiSpec> = { [Name in StateName<Api>]: StateValue<Api, Name> }

export type CallName<Api extends ApiSpec> = keyof Api['calls'] & string
type StaticArgs<Schemas extends readonly TSchema[]> = { -readonly [Index in keyof Schemas]: Static<Schemas[Index]> }
export type CallArgs<Api extends ApiSpec, Name extends CallName<Api>> = StaticArgs<Api['calls'][Name]['args']>
export type CallResult<Api extends ApiSpec, Name extends CallName<Api>> = Api['calls'][Name] extends {
  result: infer Result extends TSchema
}
  ? Static<Result>
  : void

/** The codes a call declares in `errors`; never when it declares none. */
export type CallFailureCode<Api extends ApiSpec, Name extends CallName<Api>> = Api['calls'][Name] extends {
  errors: readonly (infer Code extends string)[]
}
  ? Code
  : never
