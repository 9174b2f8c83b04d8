import { describe, expect, it } from 'vitest'
import { answerError, answerJson } from './answer.js'

describe('reading an answer', () => {
  it('parses a JSON body', () => {
    expect(answerJson('{"spans":[]}')).toEqual({ spans: [] })
  })

  it('has no body for empty text or text that is not JSON (a proxy page)', () => {
    expect(answerJson('')).toBeUndefined()
    expect(answerJson('<html>502 Bad Gateway</html>')).toBeUndefined()
  })

  it("takes a refusal's error object as sent, and none from a body without one", () => {
    expect(answerError({ error: { code: 'SKEIN_ERR_X', message: 'm' } })).toEqual({
      code: 'SKEIN_ERR_X',
      message: 'm',
    })
    expect(answerError({ error: { code: 7 } })).toEqual({ code: 7 })
    expect(answerError(undefined)).toBeUndefined()
    expect(answerError(null)).toBeUndefined()
    expect(answerError([1])).toBeUndefined()
  })
})
