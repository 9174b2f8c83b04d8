import { NavLink, Outlet } from 'react-router-dom'
import { api } from '../api/client'
import { session } from '../api/session'
import { useSession } from '../hooks/useSession'
import { SignIn } from './SignIn'
import './Layout.css'

const LINKS = [
  { to: '/search', label: 'Traces' },
  { to: '/logs', label: 'Logs' },
  { to: '/slow', label: 'Slow spans' },
  { to: '/services', label: 'Services' },
  { to: '/map', label: 'Service map' },
  { to: '/alerts', label: 'Alerts' },
]

export function Layout() {
  const state = useSession()
  // In place of the page, at the same URL: signing in shows the page that was asked for.
  if (state.status === 'signedOut')
    return (
      <SignIn reason={state.reason} check={(token) => api.checkToken(token)} onSignedIn={session.signIn} />
    )
  return (
    <div className="shell">
      <header className="topbar">
        <NavLink to="/search" className="brand" aria-label="Skein home">
          <span className="brand-mark" aria-hidden="true">
            ≋
          </span>
          Skein
        </NavLink>
        <nav className="nav" aria-label="Main">
          {LINKS.map((l) => (
            <NavLink key={l.to} to={l.to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
              {l.label}
            </NavLink>
          ))}
        </nav>
        {state.status === 'signedIn' && (
          <button type="button" className="btn btn-sm signout" onClick={session.signOut}>
            Sign out
          </button>
        )}
      </header>
      <main className="main">
        <Outlet />
      </main>
    </div>
  )
}
