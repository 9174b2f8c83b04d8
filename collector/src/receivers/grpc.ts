/**
 * The OTLP gRPC receiver (port 4317): TraceService/Export and LogsService/Export. Raw-buffer service
 * definitions (no proto loader): the request bytes go straight to our decoder, the response is the
 * hand-encoded Export*ServiceResponse. Messages over the limit are refused by grpc-js with
 * RESOURCE_EXHAUSTED; every other refusal is a coded error answered through `toGrpc` (backpressure
 * UNAVAILABLE, bad input INVALID_ARGUMENT), the missing token by the one hook of `requireGrpcToken`.
 */

import { createServer, type Server, type Socket } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { tokenCheck } from '../auth.js'
import { decodeLogsProto, decodeTracesProto } from '../decode/index.js'
import { asSkeinError, skeinError, toGrpc } from '../errors.js'
import { type ConnectionLimits, connectionLimits, openFilesLimit } from '../http/connections.js'
import type { Decoded, LogRow, SpanRow } from '../rows.js'
import { admit } from './admit.js'
import type { ReceiverDeps } from './http.js'
import { exportResponseProto } from './otlp-response.js'

const identity = (b: Buffer) => b

/** A unary method of raw protobuf bytes: decoding is the receiver's, not grpc-js's. */
export function exportMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  }
}

const TRACE_SERVICE = { Export: exportMethod('/opentelemetry.proto.collector.trace.v1.TraceService/Export') }
const LOGS_SERVICE = { Export: exportMethod('/opentelemetry.proto.collector.logs.v1.LogsService/Export') }

/**
 * The gRPC server, listening through a socket server of ours rather than grpc-js's own, whose HTTP/2
 * server takes any number of connections and lets one that never speaks stay forever (issue 18.5): here
 * connections past the port's bound are closed as soon as accepted, and one silent for --header-timeout
 * is closed; once it speaks, grpc-js's max_connection_idle closes it when idle for --idle-timeout, and
 * its keepalive pings find peers that are gone. The connection injector is grpc-js's public way to serve
 * sockets accepted elsewhere.
 */
export class GrpcReceiver extends grpc.Server {
  readonly #limits: ConnectionLimits
  #listener: Server | undefined

  constructor(options: grpc.ServerOptions, limits: ConnectionLimits) {
    super({
      ...options,
      'grpc.max_connection_idle_ms': limits.idleTimeoutMs,
      'grpc.keepalive_time_ms': limits.idleTimeoutMs,
      'grpc.keepalive_timeout_ms': 20_000,
      // Each stream may hold a message of up to --max-grpc-message-bytes before our handler sees it.
      'grpc.max_concurrent_streams': 100,
    })
    this.#limits = limits
  }

  /** Listens on host:port; resolves with the port bound. */
  listen(host: string, port: number): Promise<number> {
    const injector = this.createConnectionInjector(grpc.ServerCredentials.createInsecure())
    const silent = this.#limits.headerTimeoutMs
    const listener = createServer({ noDelay: true }, (socket: Socket) => {
      socket.setTimeout(silent, () => {
        // Not a byte in --header-timeout: not a gRPC client. Once it has spoken, idleness is grpc-js's.
        if (socket.bytesRead === 0) socket.destroy()
        else socket.setTimeout(0)
      })
      injector.injectConnection(socket)
    })
    listener.maxConnections = this.#limits.maxConnections
    this.#listener = listener
    return new Promise((resolve, reject) => {
      listener.once('error', reject)
      listener.listen({ host, port }, () => {
        listener.off('error', reject)
        const addr = listener.address()
        resolve(typeof addr === 'object' && addr ? addr.port : port)
      })
    })
  }

  override tryShutdown(callback: (error?: Error) => void): void {
    this.#listener?.close()
    super.tryShutdown(callback)
  }

  override forceShutdown(): void {
    this.#listener?.close()
    super.forceShutdown()
  }
}

/**
 * The gRPC port's one hook for its token, as http/guard.ts's is for the HTTP ports, with the same check
 * (auth.ts): an interceptor, which grpc-js runs on the call's metadata before any handler, for every
 * method served (a method that is not served is UNIMPLEMENTED before it, as gRPC routes on the exact
 * path). No token: no interceptor.
 */
export function requireGrpcToken(token: string | undefined): grpc.ServerInterceptor[] {
  if (!token) return []
  const authorized = tokenCheck(token)
  return [
    (_method, call) =>
      new grpc.ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, pass) => {
              const auth = metadata.get('authorization')[0]
              if (authorized(typeof auth === 'string' ? auth : undefined)) pass(metadata)
              else call.sendStatus(toGrpc(skeinError('UNAUTHORIZED')))
            },
          }),
      }),
  ]
}

export function createGrpcServer(deps: ReceiverDeps): grpc.Server {
  const { config, pipeline, metrics } = deps
  const server = new GrpcReceiver(
    {
      'grpc.max_receive_message_length': config.maxGrpcMessageBytes,
      'grpc.max_send_message_length': 1024 * 1024,
      interceptors: requireGrpcToken(config.ingestToken),
    },
    connectionLimits(config, openFilesLimit()),
  )

  function handler<R extends [string, ...unknown[]]>(
    signal: 'spans' | 'logs',
    decode: (b: Uint8Array) => Decoded<R>,
    consume: (rows: R[], bytes: number) => Promise<void>,
  ): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, reply) => {
      // grpc-js has read the message already (up to --max-grpc-message-bytes); what the budget bounds
      // here is its decoding and its rows until they are stored, as for HTTP bodies (issue 18.3).
      const lease = pipeline.memory.lease()
      const callback: grpc.sendUnaryData<Buffer> = (err, value) => {
        lease.release()
        reply(err, value)
      }
      const refused = pipeline.memory.admit(lease, call.request.length)
      if (refused) {
        metrics.refusedRequest(refused.cause)
        callback(toGrpc(skeinError('BACKPRESSURE', refused.message)))
        return
      }
      let decoded: Decoded<R>
      try {
        decoded = decode(call.request)
      } catch (e) {
        metrics.rejected(signal, 'malformed', 1)
        callback(toGrpc(e))
        return
      }
      const kept = admit(decoded, signal, deps)
      consume(kept.rows, call.request.length).then(
        () => callback(null, Buffer.from(exportResponseProto(kept.rejected, kept.rejectReason))),
        (e) => {
          const err = asSkeinError(e)
          if (!err.retryable) deps.log('error', `grpc ${signal}: ${(e as Error).stack ?? e}`)
          callback(toGrpc(err))
        },
      )
    }
  }

  server.addService(TRACE_SERVICE, {
    Export: handler<SpanRow>('spans', decodeTracesProto, (r, b) => pipeline.spans.consume(r, b)),
  })
  server.addService(LOGS_SERVICE, {
    Export: handler<LogRow>('logs', decodeLogsProto, (r, b) => pipeline.logs.consume(r, b)),
  })
  return server
}

export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  if (server instanceof GrpcReceiver) return server.listen(host, port)
  return new Promise((resolve, reject) => {
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
    server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    )
  })
}
