import Fastify, { errorCodes } from 'fastify'
import { describe, expect, it } from 'vitest'
import { errorBody } from '../../src/errors.js'
import { fromFastifyError } from '../../src/http/errors.js'

describe('fromFastifyError', () => {
  it.each([
    [new errorCodes.FST_ERR_BAD_URL('/x/%zz'), 400, 'SKEIN_ERR_BAD_REQUEST'],
    [new errorCodes.FST_ERR_MAX_PARAM_LENGTH('/x/aaaa'), 414, 'SKEIN_ERR_URI_TOO_LONG'],
    [new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), 413, 'SKEIN_ERR_BODY_TOO_LARGE'],
    [new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/csv'), 415, 'SKEIN_ERR_UNSUPPORTED_MEDIA_TYPE'],
    [new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), 400, 'SKEIN_ERR_BAD_JSON'],
    [new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), 400, 'SKEIN_ERR_BAD_JSON'],
    [new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), 400, 'SKEIN_ERR_BAD_REQUEST'],
  ])('maps %s to a coded error', (err, status, code) => {
    expect(fromFastifyError(err)).toMatchObject({ status, code })
  })

  it('does not quote the path fastify refused', () => {
    const e = fromFastifyError(new errorCodes.FST_ERR_MAX_PARAM_LENGTH(`/x/${'a'.repeat(10_000)}`))
    expect(e?.message.length).toBeLessThan(100)
  })

  it('leaves errors that are not fastify’s own to the caller', () => {
    expect(fromFastifyError(new Error('boom'))).toBeUndefined()
    expect(fromFastifyError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBeUndefined()
    expect(fromFastifyError(undefined)).toBeUndefined()
  })

  it('names the route’s body limit when a real fastify refuses a body over it', async () => {
    const app = Fastify({ bodyLimit: 100 })
    app.setErrorHandler((err, req, reply) => {
      const e = fromFastifyError(err, req)
      return e ? reply.code(e.status).send(errorBody(e)) : reply.code(500).send()
    })
    app.post('/x', async () => 'ok')
    const r = await app.inject({
      method: 'POST',
      url: '/x',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ a: 'b'.repeat(200) }),
    })
    expect(r.statusCode).toBe(413)
    expect(r.json()).toEqual({
      error: { code: 'SKEIN_ERR_BODY_TOO_LARGE', message: 'body is over the limit of 100 bytes' },
    })
    await app.close()
  })
})
