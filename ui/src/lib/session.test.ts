import { describe, expect, it } from 'vitest'
import {
  bearer,
  initialSession,
  nextSession,
  parseToken,
  type SessionState,
  signedOutNotice,
  tokenOf,
} from './session'

const open: SessionState = { status: 'open' }
const signedIn: SessionState = { status: 'signedIn', token: 'abc' }

describe('session state', () => {
  it('starts signed in with a token the tab kept, open without one', () => {
    expect(initialSession('abc')).toEqual(signedIn)
    expect(initialSession(null)).toEqual(open)
    expect(initialSession('')).toEqual(open)
    expect(tokenOf(initialSession('abc'))).toBe('abc')
    expect(tokenOf(open)).toBeUndefined()
  })

  it('asks for a token when a call without one answers 401', () => {
    expect(nextSession(open, { type: 'unauthorized', sentToken: undefined })).toEqual({
      status: 'signedOut',
      reason: 'required',
    })
  })

  it('signs out, saying the token was not accepted, when the kept token answers 401', () => {
    expect(nextSession(signedIn, { type: 'unauthorized', sentToken: 'abc' })).toEqual({
      status: 'signedOut',
      reason: 'rejected',
    })
  })

  it('ignores a 401 to a call made with another token than the current one', () => {
    // Sent before signing in, answered after: the new token is not the one refused.
    expect(nextSession(signedIn, { type: 'unauthorized', sentToken: undefined })).toBe(signedIn)
    expect(nextSession(signedIn, { type: 'unauthorized', sentToken: 'old' })).toBe(signedIn)
    expect(nextSession(open, { type: 'unauthorized', sentToken: 'old' })).toBe(open)
  })

  it('keeps the reason it was signed out for when more 401s arrive', () => {
    const out = nextSession(signedIn, { type: 'signedOut' })
    expect(out).toEqual({ status: 'signedOut', reason: 'signedOut' })
    expect(nextSession(out, { type: 'unauthorized', sentToken: undefined })).toBe(out)
  })

  it('signs in and out, returning the same state when nothing changes', () => {
    const out: SessionState = { status: 'signedOut', reason: 'required' }
    expect(nextSession(out, { type: 'signedIn', token: 'abc' })).toEqual(signedIn)
    expect(nextSession(signedIn, { type: 'signedIn', token: 'abc' })).toBe(signedIn)
    expect(nextSession(signedIn, { type: 'signedIn', token: 'xyz' })).toEqual({
      status: 'signedIn',
      token: 'xyz',
    })
    const signedOut = nextSession(signedIn, { type: 'signedOut' })
    expect(nextSession(signedOut, { type: 'signedOut' })).toBe(signedOut)
  })

  it('has a notice for a refused kept token and for signing out, none for a first visit', () => {
    expect(signedOutNotice('required')).toBeUndefined()
    expect(signedOutNotice('rejected')).toMatch(/not accepted/)
    expect(signedOutNotice('signedOut')).toBe('You are signed out.')
  })
})

describe('parseToken', () => {
  it('drops surrounding space and a pasted Bearer prefix', () => {
    expect(parseToken('  s3cret \n')).toEqual({ ok: true, token: 's3cret' })
    expect(parseToken('Bearer s3cret')).toEqual({ ok: true, token: 's3cret' })
    expect(parseToken('bearer   s3cret')).toEqual({ ok: true, token: 's3cret' })
  })

  it('keeps inner spaces and punctuation, which a token may have', () => {
    expect(parseToken('a b+/=~!')).toEqual({ ok: true, token: 'a b+/=~!' })
  })

  it('refuses an empty token', () => {
    expect(parseToken('   ')).toEqual({ ok: false, message: 'Enter the access token.' })
  })

  it('refuses what a header cannot carry instead of failing in fetch', () => {
    expect(parseToken('ab\u0000c')).toMatchObject({ ok: false })
    expect(parseToken('tök€n')).toMatchObject({ ok: false, message: expect.stringMatching(/ASCII/) })
  })

  it('formats the Authorization header', () => {
    expect(bearer('s3cret')).toBe('Bearer s3cret')
  })
})
