/**
 * The gRPC port's token hook: a grpc-js interceptor that answers UNAUTHENTICATED, with the coded error's
 * message, before any handler runs. A real grpc-js server and client on loopback.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportMethod, requireGrpcToken } from '../../src/receivers/grpc.js'

const METHOD = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
const identity = (b: Buffer) => b
let server: grpc.Server
let port: number
let handled = 0

beforeAll(async () => {
  server = new grpc.Server({ interceptors: requireGrpcToken('s3cret') })
  server.addService({ Export: exportMethod(METHOD) } as grpc.ServiceDefinition, {
    Export: (_call: unknown, reply: grpc.sendUnaryData<Buffer>) => {
      handled++
      reply(null, Buffer.alloc(0))
    },
  })
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  )
})
afterAll(() => server?.forceShutdown())

function call(authorization?: string): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  if (authorization) metadata.set('authorization', authorization)
  return new Promise((resolve) =>
    client.makeUnaryRequest(METHOD, identity, identity, Buffer.alloc(0), metadata, (err) => {
      client.close()
      resolve(err)
    }),
  )
}

describe('the gRPC port’s token hook', () => {
  it('answers UNAUTHENTICATED with the coded message, and no handler runs, without the right token', async () => {
    for (const auth of [undefined, 'Bearer nope', 's3cret']) {
      const err = await call(auth)
      expect(err).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
        details: 'missing or wrong bearer token',
      })
    }
    expect(handled).toBe(0)
  })

  it('lets a call with the right token through to its handler', async () => {
    expect(await call('Bearer s3cret')).toBeNull()
    expect(handled).toBe(1)
  })

  it('is no hook at all without a token', () => {
    expect(requireGrpcToken(undefined)).toEqual([])
  })
})
