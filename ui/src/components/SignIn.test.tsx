// @vitest-environment jsdom
import { cleanup, fireEvent, render, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/client'
import { SignIn } from './SignIn'

afterEach(cleanup)

function renderSignIn(
  check: (token: string) => Promise<boolean>,
  reason: 'required' | 'rejected' | 'signedOut' = 'required',
) {
  const onSignedIn = vi.fn()
  const view = render(<SignIn reason={reason} check={check} onSignedIn={onSignedIn} />)
  const field = view.getByLabelText('Access token') as HTMLInputElement
  const submit = (value: string) => {
    fireEvent.change(field, { target: { value } })
    fireEvent.click(view.getByRole('button', { name: 'Sign in' }))
  }
  return { ...view, field, submit, onSignedIn }
}

describe('SignIn', () => {
  it('asks for the token in a password field', () => {
    const { field, queryByTestId } = renderSignIn(async () => true)
    expect(field.type).toBe('password')
    expect(queryByTestId('sign-in-notice')).toBeNull()
    expect(document.title).toBe('Sign in · Skein')
  })

  it('signs in with the token as checked, without a pasted Bearer prefix', async () => {
    const check = vi.fn(async (t: string) => t === 's3cret')
    const { submit, onSignedIn } = renderSignIn(check)
    submit(' Bearer s3cret ')
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith('s3cret'))
    expect(check).toHaveBeenCalledWith('s3cret')
  })

  it('says so when the server does not take the token, and keeps the form', async () => {
    const { submit, findByTestId, onSignedIn, getByRole } = renderSignIn(async () => false)
    submit('wrong')
    expect((await findByTestId('sign-in-error')).textContent).toMatch(/not accepted/)
    expect(onSignedIn).not.toHaveBeenCalled()
    expect((getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(false)
  })

  it('says when the server cannot be reached', async () => {
    const { submit, findByTestId } = renderSignIn(async () => {
      throw new ApiError({ code: 'SKEIN_ERR_NETWORK', message: 'Could not reach the Skein API: refused' })
    })
    submit('any')
    expect((await findByTestId('sign-in-error')).textContent).toBe('Could not reach the Skein API: refused')
  })

  it('asks for a token before calling the server with an empty one', () => {
    const check = vi.fn(async () => true)
    const { submit, getByTestId } = renderSignIn(check)
    submit('   ')
    expect(getByTestId('sign-in-error').textContent).toBe('Enter the access token.')
    expect(check).not.toHaveBeenCalled()
  })

  it('says why it is shown after signing out or a refused kept token, as text', () => {
    expect(renderSignIn(async () => true, 'signedOut').getByTestId('sign-in-notice').textContent).toBe(
      'You are signed out.',
    )
    cleanup()
    expect(renderSignIn(async () => true, 'rejected').getByTestId('sign-in-notice').textContent).toMatch(
      /not accepted/,
    )
  })
})
