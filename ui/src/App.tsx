import { lazy, Suspense } from 'react'
import { createBrowserRouter, Link, Navigate, RouterProvider } from 'react-router-dom'
import { Layout } from './components/Layout'
import { Empty, Loading } from './components/States'
import { TracePage } from './pages/Trace'

// The trace view is the landing page of most deep links: keep it (and no charting code) in the main chunk.
const SearchPage = lazy(() => import('./pages/Search').then((m) => ({ default: m.SearchPage })))
const LogsPage = lazy(() => import('./pages/Logs').then((m) => ({ default: m.LogsPage })))
const SlowPage = lazy(() => import('./pages/Slow').then((m) => ({ default: m.SlowPage })))
const ServicesPage = lazy(() => import('./pages/Services').then((m) => ({ default: m.ServicesPage })))
const ServicePage = lazy(() => import('./pages/Service').then((m) => ({ default: m.ServicePage })))
const ServiceMapPage = lazy(() => import('./pages/ServiceMap').then((m) => ({ default: m.ServiceMapPage })))
const AlertsPage = lazy(() => import('./pages/Alerts').then((m) => ({ default: m.AlertsPage })))
const ComparePage = lazy(() => import('./pages/Compare').then((m) => ({ default: m.ComparePage })))
const TraceDiffPage = lazy(() => import('./pages/TraceDiff').then((m) => ({ default: m.TraceDiffPage })))

function Page({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>
}

function NotFound() {
  return (
    <div className="page">
      <Empty title="No such page">
        <Link to="/search">Go to trace search</Link>
      </Empty>
    </div>
  )
}

export const routes = [
  {
    element: <Layout />,
    children: [
      { index: true, element: <Navigate to="/search" replace /> },
      {
        path: 'search',
        element: (
          <Page>
            <SearchPage />
          </Page>
        ),
      },
      { path: 'traces/:id', element: <TracePage /> },
      {
        path: 'logs',
        element: (
          <Page>
            <LogsPage />
          </Page>
        ),
      },
      {
        path: 'slow',
        element: (
          <Page>
            <SlowPage />
          </Page>
        ),
      },
      {
        path: 'services',
        element: (
          <Page>
            <ServicesPage />
          </Page>
        ),
      },
      {
        path: 'services/:name',
        element: (
          <Page>
            <ServicePage />
          </Page>
        ),
      },
      {
        path: 'map',
        element: (
          <Page>
            <ServiceMapPage />
          </Page>
        ),
      },
      {
        path: 'alerts',
        element: (
          <Page>
            <AlertsPage />
          </Page>
        ),
      },
      {
        path: 'compare',
        element: (
          <Page>
            <ComparePage />
          </Page>
        ),
      },
      {
        path: 'diff/:a/:b',
        element: (
          <Page>
            <TraceDiffPage />
          </Page>
        ),
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]

export function App() {
  return <RouterProvider router={createBrowserRouter(routes)} />
}
