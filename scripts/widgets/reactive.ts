// Reactive state with automatic dependency tracking. A component that reads a State while it
// renders is subscribed to it; setting the State marks exactly those components dirty. Where a
// State is created decides who shares it: inside a page or component it belongs to one window,
// at module level it is app-wide and every open window sees it change.
export interface Observer {
  /** A State this observer read has changed. */
  invalidate(): void
  /** Remembers a State read during the current run, so it can unsubscribe later. */
  track(source: State<unknown>): void
}

let currentObserver: Observer | undefined

/** Runs `fn` with `observer` subscribed to every State it reads. */
export function withObserver<T>(observer: Observer | undefined, fn: () => T): T {
  const previous = currentObserver
  currentObserver = observer
  try {
    return fn()
  } finally {
    currentObserver = previous
  }
}

/** Reads state without subscribing the component that is rendering. */
export function untracked<T>(fn: () => T): T {
  return withObserver(undefined, fn)
}

export class State<T> {
  #value: T
  readonly #observers = new Set<Observer>()

  constructor(initial: T) {
    this.#value = initial
  }

  /** The value; subscribes the rendering component, if any. */
  get(): T {
    if (currentObserver) {
      this.#observers.add(currentObserver)
      currentObserver.track(this as State<unknown>)
    }
    return this.#value
  }

  /** The value, without subscribing. */
  peek(): T {
    return this.#value
  }

  set(value: T): void {
    if (Object.is(value, this.#value)) return
    this.#value = value
    this.#notify()
  }

  update(change: (value: T) => T): void {
    this.set(change(this.#value))
  }

  /** For values changed in place (arrays, maps): runs `change`, then notifies. */
  mutate(change: (value: T) => void): void {
    change(this.#value)
    this.#notify()
  }

  unsubscribe(observer: Observer): void {
    this.#observers.delete(observer)
  }

  get observerCount(): number {
    return this.#observers.size
  }

  #notify(): void {
    for (const observer of [...this.#observers]) observer.invalidate()
  }
}

export function state<T>(initial: T): State<T> {
  return new State(initial)
}
