/**
 * The registry of coded errors and the one mapping of an error to HTTP and to gRPC that every port uses.
 */
import { describe, expect, it } from 'vitest'
import {
  ERR,
  type ErrorName,
  GRPC_STATUS,
  MAX_MESSAGE_CHARS,
  RETRY_AFTER_SECONDS,
  SkeinError,
  skeinError,
  toGrpc,
  toHttp,
} from '../src/errors.js'

const names = Object.keys(ERR) as ErrorName[]

describe('the registry of coded errors', () => {
  it('declares each code once, as SKEIN_ERR_ and its name', () => {
    for (const name of names) expect(ERR[name].code).toBe(`SKEIN_ERR_${name}`)
    expect(new Set(names.map((n) => ERR[n].code)).size).toBe(names.length)
  })

  it('gives every error a message, so none needs one where it is raised', () => {
    for (const name of names) {
      const e = new SkeinError(name)
      expect(e.message, name).toMatch(/^\S.{5,}/)
      expect(e).toMatchObject({ code: ERR[name].code, status: ERR[name].status })
    }
  })

  it('calls exactly the 503s retryable, and gives them gRPC UNAVAILABLE', () => {
    for (const name of names) {
      const d = ERR[name]
      expect(d.retryable, name).toBe(d.status === 503)
      expect(d.grpcStatus === GRPC_STATUS.UNAVAILABLE, name).toBe(d.retryable)
    }
  })

  it('still takes a more specific message, cut to the longest a message may be', () => {
    expect(skeinError('BAD_PARAM', 'invalid parameter limit: not a number').message).toBe(
      'invalid parameter limit: not a number',
    )
    expect(skeinError('BAD_LOKI', 'x'.repeat(10_000)).message.length).toBe(MAX_MESSAGE_CHARS + 1)
  })
})

describe('an error as an HTTP answer', () => {
  it('is the declared status and the coded JSON body', () => {
    expect(toHttp(skeinError('BAD_PARAM', 'invalid parameter limit: not a number'))).toEqual({
      status: 400,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { error: { code: 'SKEIN_ERR_BAD_PARAM', message: 'invalid parameter limit: not a number' } },
    })
  })

  it('tells the client when to come back if the error is retryable', () => {
    for (const name of names.filter((n) => ERR[n].retryable)) {
      const answer = toHttp(new SkeinError(name))
      expect(answer.status).toBe(503)
      expect(answer.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS))
    }
    expect(toHttp(skeinError('NOT_FOUND')).headers['retry-after']).toBeUndefined()
  })

  it('is a 500 without details for anything that is not a coded error', () => {
    const answer = toHttp(new TypeError('cannot read properties of undefined (reading "secret")'))
    expect(answer.status).toBe(500)
    expect(answer.body).toEqual({ error: { code: 'SKEIN_ERR_INTERNAL', message: 'internal error' } })
  })
})

describe('an error as a gRPC status', () => {
  it('is the declared status with the message as details', () => {
    expect(toGrpc(skeinError('BAD_PROTOBUF', 'truncated message'))).toEqual({
      code: GRPC_STATUS.INVALID_ARGUMENT,
      details: 'truncated message',
    })
    expect(toGrpc(skeinError('UNAUTHORIZED'))).toEqual({
      code: GRPC_STATUS.UNAUTHENTICATED,
      details: 'missing or wrong bearer token',
    })
    expect(toGrpc(skeinError('BACKPRESSURE')).code).toBe(GRPC_STATUS.UNAVAILABLE)
    expect(toGrpc(skeinError('BODY_TOO_LARGE')).code).toBe(GRPC_STATUS.RESOURCE_EXHAUSTED)
  })

  it('is INTERNAL without details for anything that is not a coded error', () => {
    expect(toGrpc(new Error('ECONNRESET at 10.0.0.7'))).toEqual({
      code: GRPC_STATUS.INTERNAL,
      details: 'internal error',
    })
  })
})
