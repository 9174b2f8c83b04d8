/**
 * The tab's sign-in session: the state of lib/session.ts held in one place, the token kept in sessionStorage
 * (closing the tab signs out), and listeners for React's useSyncExternalStore. The API client reads the token
 * from here and reports 401s here; the layout shows the sign-in screen from here.
 */
import {
  initialSession,
  nextSession,
  type SessionEvent,
  type SessionState,
  TOKEN_KEY,
  tokenOf,
} from '../lib/session'

/** Where the token is kept between reloads of the tab. */
export interface TokenStore {
  get(): string | null
  set(token: string): void
  clear(): void
}

/**
 * sessionStorage under TOKEN_KEY. Falls back to memory when storage is missing or refuses (tests outside a
 * browser, storage disabled by policy): the UI then works until the next reload instead of not at all.
 */
export function sessionTokenStore(storage: Storage | undefined = globalThis.sessionStorage): TokenStore {
  let memory: string | null = null
  const attempt = <T>(fn: (s: Storage) => T, fallback: () => T): T => {
    try {
      if (storage) return fn(storage)
    } catch {
      // fall through to memory
    }
    return fallback()
  }
  return {
    get: () =>
      attempt(
        (s) => s.getItem(TOKEN_KEY),
        () => memory,
      ),
    set: (token) => {
      memory = token
      attempt(
        (s) => s.setItem(TOKEN_KEY, token),
        () => undefined,
      )
    },
    clear: () => {
      memory = null
      attempt(
        (s) => s.removeItem(TOKEN_KEY),
        () => undefined,
      )
    },
  }
}

export interface Session {
  getState(): SessionState
  subscribe(listener: () => void): () => void
  /** The token to send, if any. */
  token(): string | undefined
  /** The API answered 401 to a call that carried `sentToken`. */
  unauthorized(sentToken: string | undefined): void
  signIn(token: string): void
  signOut(): void
}

export function createSession(store: TokenStore = sessionTokenStore()): Session {
  let state = initialSession(store.get())
  const listeners = new Set<() => void>()
  const dispatch = (event: SessionEvent) => {
    const next = nextSession(state, event)
    if (next === state) return
    state = next
    const token = tokenOf(state)
    if (token === undefined) store.clear()
    else store.set(token)
    for (const l of [...listeners]) l()
  }
  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    token: () => tokenOf(state),
    unauthorized: (sentToken) => dispatch({ type: 'unauthorized', sentToken }),
    signIn: (token) => dispatch({ type: 'signedIn', token }),
    signOut: () => dispatch({ type: 'signedOut' }),
  }
}

/** The browser tab's session, used by the shared `api` client. */
export const session: Session = createSession()
