import { useState, type FormEvent } from 'react'
import { limits } from '../../shared/constants.ts'
import { backend, useBackendState } from '../backend.ts'
import { useCallError } from './useCallError.ts'

const filters = { all: () => true, active: (done: boolean) => !done, done: (done: boolean) => done } as const
type Filter = keyof typeof filters

export function TodoList() {
  const todos = useBackendState('todos') ?? []
  const [text, setText] = useState('')
  const [filter, setFilter] = useState<Filter>('all')
  const [error, run] = useCallError()

  const add = async (event: FormEvent) => {
    event.preventDefault()
    if (await run(backend.call('addTodo', text))) setText('')
  }
  const shown = todos.filter((todo) => filters[filter](todo.done))
  return (
    <section className="card">
      <h2>Todos</h2>
      <form onSubmit={add} className="row">
        <input aria-label="New todo" maxLength={limits.todoText} value={text} onChange={(event) => setText(event.target.value)} placeholder="What needs doing?" />
        <button type="submit">Add</button>
      </form>
      <div className="row" role="group" aria-label="Filter">
        {(Object.keys(filters) as Filter[]).map((name) => (
          <button key={name} aria-pressed={filter === name} onClick={() => setFilter(name)}>
            {name[0]!.toUpperCase() + name.slice(1)}
          </button>
        ))}
      </div>
      <ul className="todos">
        {shown.map((todo) => (
          <li key={todo.id}>
            <label className={todo.done ? 'done' : undefined}>
              <input type="checkbox" checked={todo.done} onChange={() => run(backend.call('toggleTodo', todo.id))} />
              {todo.text}
            </label>
            <button aria-label={`Delete ${todo.text}`} onClick={() => run(backend.call('deleteTodo', todo.id))}>
              ✕
            </button>
          </li>
        ))}
      </ul>
      <p data-testid="todo-summary">
        {todos.filter((todo) => !todo.done).length} left of {todos.length}
      </p>
      <button onClick={() => run(backend.call('clearDone'))} disabled={!todos.some((todo) => todo.done)}>
        Clear done
      </button>
      {error && <p role="alert">{error}</p>}
    </section>
  )
}
