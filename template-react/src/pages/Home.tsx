import { Counter } from '../components/Counter.tsx'
import { FailButton } from '../components/FailButton.tsx'
import { SignUpForm } from '../components/SignUpForm.tsx'
import { TodoList } from '../components/TodoList.tsx'
import { WindowTitle } from '../components/WindowTitle.tsx'

export function Home() {
  return (
    <>
      <h1>Taupy + React</h1>
      <div className="cards">
        <Counter />
        <TodoList />
        <SignUpForm />
        <WindowTitle />
        <FailButton />
      </div>
    </>
  )
}
