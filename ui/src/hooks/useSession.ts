import { useSyncExternalStore } from 'react'
import { type Session, session as tabSession } from '../api/session'
import type { SessionState } from '../lib/session'

/** The tab's sign-in state; re-renders when the API answers 401 or the user signs in or out. */
export function useSession(session: Session = tabSession): SessionState {
  return useSyncExternalStore(session.subscribe, session.getState)
}
