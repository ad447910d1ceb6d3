import { useBackendState } from '../backend.ts'

export function About() {
  const counter = useBackendState('counter')
  const todos = useBackendState('todos')
  const members = useBackendState('members')
  return (
    <>
      <h1>About</h1>
      <section className="card">
        <p>This page reads the same server state as Home: change it in another window and watch it here.</p>
        <dl>
          <dt>Counter</dt>
          <dd data-testid="about-counter">{counter ?? '…'}</dd>
          <dt>Open todos</dt>
          <dd data-testid="about-open-todos">{todos ? todos.filter((todo) => !todo.done).length : '…'}</dd>
          <dt>Members</dt>
          <dd data-testid="about-members">{members ? members.map((member) => member.name).join(', ') || 'none yet' : '…'}</dd>
        </dl>
      </section>
    </>
  )
}
