/**
 * The UI's sign-in state for a collector started with `--query-token`, as pure functions. The server never
 * says up front whether it wants a token: the UI starts `open`, and the first 401 of the API signs it out.
 */

/** The sessionStorage key of the token: per tab, gone when the tab closes (never localStorage). */
export const TOKEN_KEY = 'skein.queryToken'

/** Why the sign-in screen is shown. */
export type SignedOutReason =
  /** The API answered 401 to a call without a token: the server asks for one. */
  | 'required'
  /** The API answered 401 to the token kept in the session (changed on the server, or tampered with). */
  | 'rejected'
  /** The user pressed "Sign out". */
  | 'signedOut'

export type SessionState =
  /** No token, and the API has not asked for one (a server without `--query-token` stays here). */
  | { status: 'open' }
  | { status: 'signedIn'; token: string }
  | { status: 'signedOut'; reason: SignedOutReason }

export type SessionEvent =
  /** The API answered 401 to a call that carried `sentToken` (undefined: no token was sent). */
  | { type: 'unauthorized'; sentToken: string | undefined }
  | { type: 'signedIn'; token: string }
  | { type: 'signedOut' }

/** The state a tab starts in, from the token its sessionStorage kept (if any). */
export function initialSession(stored: string | null | undefined): SessionState {
  return stored ? { status: 'signedIn', token: stored } : { status: 'open' }
}

export function tokenOf(state: SessionState): string | undefined {
  return state.status === 'signedIn' ? state.token : undefined
}

/**
 * The next state. Returns `state` itself when nothing changes, so callers can skip notifying. A 401 to a call
 * made with another token than the current one is stale (a request sent before signing in, answered after)
 * and changes nothing: it must not sign the user out again.
 */
export function nextSession(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'unauthorized':
      if (event.sentToken !== tokenOf(state)) return state
      if (state.status === 'signedOut') return state
      return { status: 'signedOut', reason: event.sentToken === undefined ? 'required' : 'rejected' }
    case 'signedIn':
      return state.status === 'signedIn' && state.token === event.token
        ? state
        : { status: 'signedIn', token: event.token }
    case 'signedOut':
      return state.status === 'signedOut' && state.reason === 'signedOut'
        ? state
        : { status: 'signedOut', reason: 'signedOut' }
  }
}

/** What the sign-in screen says about why it is there; undefined when there is nothing to add. */
export function signedOutNotice(reason: SignedOutReason): string | undefined {
  switch (reason) {
    case 'required':
      return undefined
    case 'rejected':
      return 'The token kept for this tab was not accepted (it may have changed on the server). Sign in again.'
    case 'signedOut':
      return 'You are signed out.'
  }
}

export type ParsedToken = { ok: true; token: string } | { ok: false; message: string }

/**
 * The token as typed or pasted: surrounding space and a pasted `Bearer ` prefix are dropped. A header value
 * cannot carry control or non-Latin characters (fetch would throw), so those are refused here with a reason.
 */
export function parseToken(input: string): ParsedToken {
  const token = input.trim().replace(/^bearer\s+/i, '')
  if (!token) return { ok: false, message: 'Enter the access token.' }
  if (/[^\x20-\x7e]/.test(token))
    return { ok: false, message: 'A token is made of printable ASCII characters; this one has others.' }
  return { ok: true, token }
}

export function bearer(token: string): string {
  return `Bearer ${token}`
}
