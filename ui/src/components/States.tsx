import type { ReactNode } from 'react'
import type { ApiErrorShape } from '../api/types'
import './States.css'

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite" data-testid="state-loading">
      <div className="spinner" />
      <div>{label}</div>
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state" data-testid="state-empty">
      <div className="state-title">{title}</div>
      {children && <div className="state-detail">{children}</div>}
    </div>
  )
}

export function ErrorState({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: ApiErrorShape
  title?: string
  onRetry?: () => void
}) {
  return (
    <div className="state state-error" role="alert" data-testid="state-error">
      <div className="state-title">{title}</div>
      <div className="state-detail">{error.message}</div>
      <div className="state-code">{error.code}</div>
      {onRetry && (
        <button type="button" className="btn btn-sm" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  )
}
