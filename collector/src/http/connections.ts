/**
 * Bounds on the connections every port holds (issue 18.5): a body that never completed kept its socket
 * forever, and 20,000 such sockets used up the file descriptors, after which the API and the alerts
 * broke with the ingest port. Each port now takes at most `maxConnections` at once (Node closes the
 * ones past it as soon as they are accepted), fitted under the open-files limit so that storage and the
 * other ports always have descriptors left; and a connection must send its request in time and is closed
 * once idle, as Loki's server does (read timeout 30 s) and Go servers do (read-header and idle timeouts).
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { Config } from '../config.js'

export interface ConnectionLimits {
  readTimeoutMs: number
  headerTimeoutMs: number
  idleTimeoutMs: number
  /** Per port, after fitting under the open-files limit. */
  maxConnections: number
  /** Says why `maxConnections` is lower than configured, when it is. */
  lowered?: string
}

/**
 * Descriptors kept for everything that is not a client connection: the engine's files (parts being
 * written and merged: measured ≈ 60 open at idle), the write-ahead log, logs, connections to a ClickHouse server.
 */
const RESERVED_FILES = 128
/** The HTTP ingest, gRPC and API ports, and as much again kept free for connections accepted then closed. */
const SHARES = 4

/** The soft limit of open files of this process (Linux), if it can be read. */
export function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

export function connectionLimits(config: Config, openFiles: number | undefined): ConnectionLimits {
  const limits: ConnectionLimits = {
    readTimeoutMs: config.readTimeoutMs,
    headerTimeoutMs: config.headerTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
  }
  if (openFiles === undefined) return limits
  const fit = Math.max(8, Math.floor((openFiles - RESERVED_FILES) / SHARES))
  if (fit >= config.maxConnections) return limits
  return {
    ...limits,
    maxConnections: fit,
    lowered: `--max-connections lowered from ${config.maxConnections} to ${fit} per port: the open-files limit (ulimit -n) is ${openFiles}`,
  }
}

/**
 * Applies the limits to a Node HTTP server before it listens. Node closes a connection whose headers have
 * not arrived within `headersTimeout` (a silent one too) or whose request is not complete within
 * `requestTimeout`, answering 408; it checks every `connectionsCheckingInterval`, by default 30 s, which
 * would let a 1 s timeout run for 31 s.
 */
export function limitHttpServer(server: Server, limits: ConnectionLimits): void {
  server.headersTimeout = limits.headerTimeoutMs
  server.requestTimeout = limits.readTimeoutMs
  server.keepAliveTimeout = limits.idleTimeoutMs
  server.maxConnections = limits.maxConnections
  ;(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1000,
    Math.max(100, Math.floor(limits.headerTimeoutMs / 4)),
  )
}
