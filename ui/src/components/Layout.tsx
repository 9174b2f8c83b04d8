import { NavLink, Outlet } from 'react-router-dom'
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
      </header>
      <main className="main">
        <Outlet />
      </main>
    </div>
  )
}
