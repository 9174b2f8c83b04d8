import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { toApiError } from '../api/client'
import { parseToken, type SignedOutReason, signedOutNotice } from '../lib/session'
import './SignIn.css'

/**
 * The screen shown in place of the page when the API wants a token (`--query-token`). The URL is left as it
 * is, so signing in shows the page the user opened. The token is checked with the server before it is kept.
 */
export function SignIn({
  reason,
  check,
  onSignedIn,
}: {
  reason: SignedOutReason
  /** Resolves true when the server takes the token, false on 401; rejects when it cannot be reached. */
  check: (token: string) => Promise<boolean>
  onSignedIn: (token: string) => void
}) {
  const [value, setValue] = useState('')
  const [error, setError] = useState<string>()
  const [checking, setChecking] = useState(false)
  const mounted = useRef(true)
  const id = useId()
  const notice = signedOutNotice(reason)

  useEffect(() => {
    mounted.current = true
    const title = document.title
    document.title = 'Sign in · Skein'
    return () => {
      mounted.current = false
      document.title = title
    }
  }, [])

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (checking) return
    const parsed = parseToken(value)
    if (!parsed.ok) {
      setError(parsed.message)
      return
    }
    setChecking(true)
    setError(undefined)
    let accepted: boolean
    try {
      accepted = await check(parsed.token)
    } catch (err) {
      if (mounted.current) {
        setError(toApiError(err).message)
        setChecking(false)
      }
      return
    }
    if (!mounted.current) return
    if (accepted) {
      onSignedIn(parsed.token)
      return
    }
    setChecking(false)
    setError('That token was not accepted by the server. Check it and try again.')
  }

  return (
    <div className="signin-screen">
      <form className="signin card" onSubmit={submit} data-testid="sign-in" noValidate>
        <div className="signin-brand">
          <span className="brand-mark" aria-hidden="true">
            ≋
          </span>
          Skein
        </div>
        <h1 className="signin-title">Sign in</h1>
        <p className="signin-help">
          This Skein server asks for an access token (the one it was started with, <code>--query-token</code>
          ). It is kept for this tab only.
        </p>
        {notice && (
          <p className="signin-notice" role="status" data-testid="sign-in-notice">
            {notice}
          </p>
        )}
        <div className="field">
          <label htmlFor={id}>Access token</label>
          <input
            id={id}
            className="input mono"
            type="password"
            autoComplete="current-password"
            spellCheck={false}
            // biome-ignore lint/a11y/noAutofocus: the only field of a screen that exists to take it
            autoFocus
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
          />
        </div>
        {error && (
          <p id={`${id}-error`} className="signin-error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary signin-submit" disabled={checking}>
          {checking ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  )
}
