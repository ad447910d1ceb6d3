import type { MouseEvent, ReactNode } from 'react'
import './App.css'
import { ConnectionStatus } from './ConnectionStatus.tsx'
import { About } from './pages/About.tsx'
import { Home } from './pages/Home.tsx'
import { navigate, routes, usePath } from './router.ts'

function Link({ to, children }: { to: string; children: ReactNode }) {
  const current = usePath() === to
  const follow = (event: MouseEvent) => {
    event.preventDefault()
    navigate(to)
  }
  return (
    <a href={to} onClick={follow} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  )
}

export default function App() {
  const path = usePath()
  return (
    <>
      <header className="app-header">
        <nav>
          <Link to={routes.home}>Home</Link>
          <Link to={routes.about}>About</Link>
        </nav>
        <ConnectionStatus />
      </header>
      <main>{path === routes.about ? <About /> : <Home />}</main>
    </>
  )
}
