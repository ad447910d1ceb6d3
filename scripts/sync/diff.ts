// JSON diffs between two versions of a piece of state: the server sends only the paths that
// changed, the client applies them without mutating what it had (new objects along the changed
// paths, the rest shared), so React and Lit see exactly which parts are new.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type PathKey = string | number

export type PatchOp =
  | { op: 'set'; path: PathKey[]; value: unknown }
  | { op: 'delete'; path: PathKey[] }
  | { op: 'truncate'; path: PathKey[]; length: number }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function collect(before: unknown, after: unknown, path: PathKey[], ops: PatchOp[]): void {
  if (Object.is(before, after)) return
  if (Array.isArray(before) && Array.isArray(after)) {
    if (after.length < before.length) ops.push({ op: 'truncate', path, length: after.length })
    const common = Math.min(before.length, after.length)
    for (let i = 0; i < common; i++) collect(before[i], after[i], [...path, i], ops)
    for (let i = common; i < after.length; i++) ops.push({ op: 'set', path: [...path, i], value: after[i] })
    return
  }
  if (isObject(before) && isObject(after)) {
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) ops.push({ op: 'delete', path: [...path, key] })
    for (const key of Object.keys(after)) {
      if (Object.hasOwn(before, key)) collect(before[key], after[key], [...path, key], ops)
      else ops.push({ op: 'set', path: [...path, key], value: after[key] })
    }
    return
  }
  ops.push({ op: 'set', path, value: after })
}

/**
 * The operations that turn `before` into `after`. When listing them takes more bytes than the
 * new value itself (an item removed from the front of a list shifts every later one), the
 * answer is one `set` of the whole value instead.
 */
export function diff(before: unknown, after: unknown): PatchOp[] {
  const ops: PatchOp[] = []
  collect(before, after, [], ops)
  if (ops.length > 1 && JSON.stringify(ops).length > JSON.stringify(after).length) {
    return [{ op: 'set', path: [], value: after }]
  }
  return ops
}

function shallowCopy(value: unknown): Record<PathKey, unknown> {
  if (Array.isArray(value)) return value.slice() as unknown as Record<PathKey, unknown>
  if (isObject(value)) return { ...value }
  throw new Error('patch path goes through a value that is not an object or array')
}

function assign(target: Record<PathKey, unknown>, key: PathKey, value: unknown): void {
  // A JSON key named __proto__ must stay data, never become the prototype.
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/** Applies ops to `value` without changing it; returns the new value. */
export function applyPatch(value: unknown, ops: readonly PatchOp[]): unknown {
  let root = value
  const fresh = new WeakSet<object>()
  const own = (container: unknown): Record<PathKey, unknown> => {
    if (typeof container === 'object' && container !== null && fresh.has(container)) return container as Record<PathKey, unknown>
    const copy = shallowCopy(container)
    fresh.add(copy)
    return copy
  }
  // Copies each container along the path (once per patch) and returns the last one.
  const reach = (path: readonly PathKey[]): Record<PathKey, unknown> => {
    root = own(root)
    let node = root as Record<PathKey, unknown>
    for (const key of path) {
      const child = own(node[key])
      assign(node, key, child)
      node = child
    }
    return node
  }
  for (const op of ops) {
    if (op.op === 'truncate') {
      ;(reach(op.path) as unknown as unknown[]).length = op.length
      continue
    }
    if (op.path.length === 0) {
      if (op.op === 'delete') throw new Error('cannot delete the root of the state')
      root = op.value
      continue
    }
    const parent = reach(op.path.slice(0, -1))
    const last = op.path[op.path.length - 1]!
    if (op.op === 'set') assign(parent, last, op.value)
    else delete parent[last]
  }
  return root
}
