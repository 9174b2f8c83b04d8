// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { TOKEN_KEY } from '../lib/session'
import { createSession, sessionTokenStore } from './session'

afterEach(() => {
  sessionStorage.clear()
  localStorage.clear()
})

describe('the tab session', () => {
  it('keeps the token in sessionStorage, never localStorage, and drops it on sign-out', () => {
    const s = createSession(sessionTokenStore(sessionStorage))
    s.signIn('abc')
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('abc')
    expect(localStorage.length).toBe(0)
    expect(s.token()).toBe('abc')
    s.signOut()
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull()
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'signedOut' })
  })

  it('starts signed in from the token the tab kept (a reload)', () => {
    sessionStorage.setItem(TOKEN_KEY, 'kept')
    const s = createSession(sessionTokenStore(sessionStorage))
    expect(s.getState()).toEqual({ status: 'signedIn', token: 'kept' })
  })

  it('forgets a kept token the server refuses', () => {
    sessionStorage.setItem(TOKEN_KEY, 'kept')
    const s = createSession(sessionTokenStore(sessionStorage))
    s.unauthorized('kept')
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'rejected' })
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull()
  })

  it('notifies listeners on changes only, until they unsubscribe', () => {
    const s = createSession(sessionTokenStore(sessionStorage))
    let calls = 0
    const off = s.subscribe(() => calls++)
    s.unauthorized(undefined)
    s.unauthorized(undefined)
    s.signIn('abc')
    s.unauthorized(undefined) // stale: sent before signing in
    expect(calls).toBe(2)
    off()
    s.signOut()
    expect(calls).toBe(2)
  })

  it('falls back to memory when storage refuses', () => {
    const refusing = {
      getItem() {
        throw new Error('SecurityError')
      },
      setItem() {
        throw new Error('QuotaExceededError')
      },
      removeItem() {
        throw new Error('SecurityError')
      },
    } as unknown as Storage
    const store = sessionTokenStore(refusing)
    expect(store.get()).toBeNull()
    store.set('abc')
    expect(store.get()).toBe('abc')
    store.clear()
    expect(store.get()).toBeNull()
    expect(sessionTokenStore(undefined).get()).toBeNull()
  })
})
