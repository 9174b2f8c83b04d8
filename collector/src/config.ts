/**
 * The one typed Config of the collector, loaded in one place from defaults, environment and flags
 * (flags win), and validated once at start-up. A bad value throws a SkeinError(CONFIG) whose message is
 * one line naming the flag; `skein serve` prints it and exits non-zero.
 */
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { skeinError } from './errors.js'
import { formatDuration, parseBytes, parseDuration } from './units.js'

export interface Config {
  host: string
  grpcPort: number
  ingestPort: number
  port: number
  dataDir: string
  clickhouse?: { url: string; user: string; password: string }
  database: string
  cluster?: string
  retentionDays: number
  /** Rows whose time is further ahead of now than this are refused at ingest, as too far in the future. */
  maxFutureMs: number
  ingestToken?: string
  queryToken?: string
  /** Host names the HTTP ports answer to (`.domain` for a domain and its subdomains); unset: any. */
  allowedHosts?: string[]
  /** Largest accepted HTTP body after decompression. */
  maxBodyBytes: number
  /** Largest accepted gRPC message. */
  maxGrpcMessageBytes: number
  /** Loki lines longer than this are truncated (and marked). */
  maxLineBytes: number
  /**
   * Inserts per signal run side by side (on a server, the client's pool runs them). Default 1: with group
   * commit one insert at a time makes the largest batches; measured on the embedded engine, 1M spans
   * over OTLP/HTTP in alternated runs, 61–64k spans/s against 56–61k with 2, and less merging.
   */
  insertConcurrency: number
  /** A batch is flushed at this many rows... */
  batchRows: number
  /** ...or after this long. */
  batchDelayMs: number
  /** Rows held in memory per signal (queued + in flight) before new requests are refused with 503. */
  maxQueueRows: number
  /** Estimated bytes held in memory per signal before new requests are refused with 503. */
  maxQueueBytes: number
  /** Server mode: where batches that storage did not take wait (default <data-dir>/spool). */
  spoolDir: string
  spoolMaxBytes: number
  /**
   * Bound of the memory the process allocated (anonymous RSS): above 85% of it, new ingest requests get
   * 503 and /health says why.
   */
  memoryLimitBytes: number
  /** Request-body bytes read or decoded at once; past it, requests get 503 before their body is read. */
  maxInflightBytes: number
  /** Time to receive a whole request (headers and body) on the HTTP ports; past it, 408 and closed. */
  readTimeoutMs: number
  /** Time to receive a request's headers, and the longest a new connection (any port) may stay silent. */
  headerTimeoutMs: number
  /** Connections without a request in flight are closed after this (HTTP keep-alive, gRPC). */
  idleTimeoutMs: number
  /** Connections each port takes at once (fitted at start-up under the open-files limit). */
  maxConnections: number
  /** Server-side time limit of every API query. */
  queryTimeoutMs: number
  alertIntervalMs: number
  alertRulesFile?: string
  /** Alert webhooks may go to loopback and private addresses (never link-local or metadata ones). */
  alertAllowPrivateWebhooks: boolean
  uiDir?: string
  demo: boolean
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
}

type Kind =
  | 'port'
  | 'int'
  | 'string'
  | 'duration'
  | 'days'
  | 'bytes'
  | 'bool'
  | 'url'
  | 'host'
  | 'hosts'
  | 'level'

interface OptionSpec {
  key: keyof Config | 'clickhouseUrl' | 'clickhouseUser' | 'clickhousePassword'
  flag: string
  env: string
  kind: Kind
  default?: string
  /** Secrets may also come from `${env}_FILE`, and are never printed. */
  secret?: boolean
  help: string
}

/** Every option: its flag, its environment variable, its default. The README's table mirrors this. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'host',
    flag: '--host',
    env: 'SKEIN_HOST',
    kind: 'host',
    default: '127.0.0.1',
    help: 'bind address of every port',
  },
  {
    key: 'grpcPort',
    flag: '--grpc-port',
    env: 'SKEIN_GRPC_PORT',
    kind: 'port',
    default: '4317',
    help: 'OTLP gRPC port',
  },
  {
    key: 'ingestPort',
    flag: '--ingest-port',
    env: 'SKEIN_INGEST_PORT',
    kind: 'port',
    default: '4318',
    help: 'OTLP HTTP and Loki push port',
  },
  {
    key: 'port',
    flag: '--port',
    env: 'SKEIN_PORT',
    kind: 'port',
    default: '8080',
    help: 'UI and query API port',
  },
  {
    key: 'dataDir',
    flag: '--data-dir',
    env: 'SKEIN_DATA_DIR',
    kind: 'string',
    default: './.skein-data',
    help: 'embedded ClickHouse data directory',
  },
  {
    key: 'clickhouseUrl',
    flag: '--clickhouse-url',
    env: 'SKEIN_CLICKHOUSE_URL',
    kind: 'url',
    help: 'ClickHouse server URL (default: embedded chDB)',
  },
  {
    key: 'clickhouseUser',
    flag: '--clickhouse-user',
    env: 'SKEIN_CLICKHOUSE_USER',
    kind: 'string',
    default: 'default',
    help: 'ClickHouse user',
  },
  {
    key: 'clickhousePassword',
    flag: '--clickhouse-password',
    env: 'SKEIN_CLICKHOUSE_PASSWORD',
    kind: 'string',
    default: '',
    secret: true,
    help: 'ClickHouse password',
  },
  {
    key: 'database',
    flag: '--clickhouse-database',
    env: 'SKEIN_CLICKHOUSE_DATABASE',
    kind: 'string',
    default: 'otel',
    help: 'database of the tables',
  },
  {
    key: 'cluster',
    flag: '--clickhouse-cluster',
    env: 'SKEIN_CLICKHOUSE_CLUSTER',
    kind: 'string',
    help: 'cluster name: Replicated + Distributed tables ON CLUSTER',
  },
  {
    key: 'retentionDays',
    flag: '--retention',
    env: 'SKEIN_RETENTION',
    kind: 'days',
    default: '30d',
    help: 'how long data is kept (TTL), e.g. 30d; older data is refused at ingest',
  },
  {
    key: 'maxFutureMs',
    flag: '--max-future',
    env: 'SKEIN_MAX_FUTURE',
    kind: 'duration',
    default: '1h',
    help: 'data further ahead of the clock than this is refused at ingest',
  },
  {
    key: 'ingestToken',
    flag: '--ingest-token',
    env: 'SKEIN_INGEST_TOKEN',
    kind: 'string',
    secret: true,
    help: 'bearer token required on ingest ports',
  },
  {
    key: 'queryToken',
    flag: '--query-token',
    env: 'SKEIN_QUERY_TOKEN',
    kind: 'string',
    secret: true,
    help: 'bearer token required on the query API',
  },
  {
    key: 'allowedHosts',
    flag: '--allowed-hosts',
    env: 'SKEIN_ALLOWED_HOSTS',
    kind: 'hosts',
    help: 'host names the HTTP ports answer to, comma-separated (.corp.example: it and its subdomains)',
  },
  {
    key: 'maxBodyBytes',
    flag: '--max-body-bytes',
    env: 'SKEIN_MAX_BODY_BYTES',
    kind: 'bytes',
    default: '20MiB',
    help: 'largest HTTP body after decompression',
  },
  {
    key: 'maxGrpcMessageBytes',
    flag: '--max-grpc-message-bytes',
    env: 'SKEIN_MAX_GRPC_MESSAGE_BYTES',
    kind: 'bytes',
    default: '4MiB',
    help: 'largest gRPC message',
  },
  {
    key: 'maxLineBytes',
    flag: '--max-line-bytes',
    env: 'SKEIN_MAX_LINE_BYTES',
    kind: 'bytes',
    default: '256KiB',
    help: 'Loki lines longer than this are truncated and marked',
  },
  {
    key: 'insertConcurrency',
    flag: '--insert-concurrency',
    env: 'SKEIN_INSERT_CONCURRENCY',
    kind: 'int',
    default: '1',
    help: 'inserts per signal run side by side',
  },
  {
    key: 'batchRows',
    flag: '--batch-rows',
    env: 'SKEIN_BATCH_ROWS',
    kind: 'int',
    default: '10000',
    help: 'rows per insert',
  },
  {
    key: 'batchDelayMs',
    flag: '--batch-delay',
    env: 'SKEIN_BATCH_DELAY',
    kind: 'duration',
    default: '200ms',
    help: 'longest wait before an insert',
  },
  {
    key: 'maxQueueRows',
    flag: '--max-queue-rows',
    env: 'SKEIN_MAX_QUEUE_ROWS',
    kind: 'int',
    default: '200000',
    help: 'rows held per signal before 503',
  },
  {
    key: 'maxQueueBytes',
    flag: '--max-queue-bytes',
    env: 'SKEIN_MAX_QUEUE_BYTES',
    kind: 'bytes',
    default: '256MiB',
    help: 'bytes held per signal before 503',
  },
  {
    key: 'spoolDir',
    flag: '--spool-dir',
    env: 'SKEIN_SPOOL_DIR',
    kind: 'string',
    help: 'server mode: on-disk spool for batches storage did not take (default <data-dir>/spool)',
  },
  {
    key: 'spoolMaxBytes',
    flag: '--spool-max-bytes',
    env: 'SKEIN_SPOOL_MAX_BYTES',
    kind: 'bytes',
    default: '1GiB',
    help: 'largest spool; past it ingest answers 503',
  },
  {
    key: 'memoryLimitBytes',
    flag: '--memory-limit',
    env: 'SKEIN_MEMORY_LIMIT',
    kind: 'bytes',
    default: '2GiB',
    help: 'bound of the memory the process allocated (anonymous RSS): above 85% of it ingest answers 503',
  },
  {
    key: 'maxInflightBytes',
    flag: '--max-inflight-bytes',
    env: 'SKEIN_MAX_INFLIGHT_BYTES',
    kind: 'bytes',
    help: 'request bodies read or decoded at once; past it 503 before reading (default 1/16 of --memory-limit)',
  },
  {
    key: 'readTimeoutMs',
    flag: '--read-timeout',
    env: 'SKEIN_READ_TIMEOUT',
    kind: 'duration',
    default: '30s',
    help: 'time to receive a whole HTTP request, headers and body; past it 408 and the connection is closed',
  },
  {
    key: 'headerTimeoutMs',
    flag: '--header-timeout',
    env: 'SKEIN_HEADER_TIMEOUT',
    kind: 'duration',
    default: '10s',
    help: "time to receive a request's headers; a new connection silent this long is closed (every port)",
  },
  {
    key: 'idleTimeoutMs',
    flag: '--idle-timeout',
    env: 'SKEIN_IDLE_TIMEOUT',
    kind: 'duration',
    default: '60s',
    help: 'connections without a request in flight are closed after this (HTTP keep-alive, gRPC)',
  },
  {
    key: 'maxConnections',
    flag: '--max-connections',
    env: 'SKEIN_MAX_CONNECTIONS',
    kind: 'int',
    default: '1024',
    help: 'connections each port takes at once; lowered at start-up to fit the open-files limit',
  },
  {
    key: 'queryTimeoutMs',
    flag: '--query-timeout',
    env: 'SKEIN_QUERY_TIMEOUT',
    kind: 'duration',
    default: '30s',
    help: 'server-side time limit of API queries',
  },
  {
    key: 'alertIntervalMs',
    flag: '--alert-interval',
    env: 'SKEIN_ALERT_INTERVAL',
    kind: 'duration',
    default: '15s',
    help: 'how often alert rules are evaluated',
  },
  {
    key: 'alertRulesFile',
    flag: '--alert-rules',
    env: 'SKEIN_ALERT_RULES',
    kind: 'string',
    help: 'YAML file of alert rules to provision',
  },
  {
    key: 'alertAllowPrivateWebhooks',
    flag: '--alert-allow-private-webhooks',
    env: 'SKEIN_ALERT_ALLOW_PRIVATE_WEBHOOKS',
    kind: 'bool',
    default: 'false',
    help: 'alert webhooks may go to loopback and private addresses (link-local and metadata never)',
  },
  {
    key: 'uiDir',
    flag: '--ui-dir',
    env: 'SKEIN_UI_DIR',
    kind: 'string',
    help: 'folder of the built UI (default: ui/dist)',
  },
  {
    key: 'demo',
    flag: '--demo',
    env: 'SKEIN_DEMO',
    kind: 'bool',
    default: 'false',
    help: 'also run the example shop against it',
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'SKEIN_LOG_LEVEL',
    kind: 'level',
    default: 'info',
    help: 'debug, info, warn, error or silent',
  },
]

function bad(spec: OptionSpec, raw: string, why: string): never {
  const shown = spec.secret ? '(hidden)' : JSON.stringify(raw)
  throw skeinError('CONFIG', `invalid ${spec.flag} ${shown}: ${why} (flag ${spec.flag} or env ${spec.env})`)
}

function convert(spec: OptionSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'port': {
      const n = Number(raw)
      if (!/^\d+$/.test(raw) || n < 0 || n > 65535) bad(spec, raw, 'expected a port number 0-65535')
      return n
    }
    case 'int': {
      const n = Number(raw)
      if (!/^\d+$/.test(raw) || n < 1) bad(spec, raw, 'expected a positive whole number')
      return n
    }
    case 'duration': {
      const ms = parseDuration(raw)
      if (ms === undefined || ms <= 0) bad(spec, raw, 'expected a duration such as 200ms, 15s, 5m')
      return ms
    }
    case 'days': {
      const ms = parseDuration(/^\d+$/.test(raw) ? `${raw}d` : raw)
      if (ms === undefined || ms < 86_400_000 || ms % 86_400_000 !== 0)
        bad(spec, raw, 'expected whole days such as 30d')
      return ms / 86_400_000
    }
    case 'bytes': {
      const n = parseBytes(raw)
      if (n === undefined || n < 1) bad(spec, raw, 'expected a size such as 4MiB or 262144')
      return n
    }
    case 'bool':
      if (!/^(true|false|1|0|yes|no)$/i.test(raw)) bad(spec, raw, 'expected true or false')
      return /^(true|1|yes)$/i.test(raw)
    case 'url': {
      let u: URL
      try {
        u = new URL(raw)
      } catch {
        bad(spec, raw, 'expected a URL such as http://localhost:8123')
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(spec, raw, 'expected an http or https URL')
      return raw
    }
    case 'host':
      if (!/^[A-Za-z0-9.:\-[\]]+$/.test(raw)) bad(spec, raw, 'expected an IP address or host name')
      return raw
    case 'hosts': {
      const list = raw
        .split(',')
        .map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
        .filter((h) => h !== '')
      const name = /^\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/
      if (list.length === 0 || list.some((h) => !name.test(h) && isIP(h) === 0))
        bad(spec, raw, 'expected host names separated by commas, such as skein.example.com,.corp.example')
      return list
    }
    case 'level':
      if (!/^(debug|info|warn|error|silent)$/.test(raw))
        bad(spec, raw, 'expected debug, info, warn, error or silent')
      return raw
    default:
      if (raw.length === 0 && spec.key !== 'clickhousePassword') bad(spec, raw, 'must not be empty')
      return raw
  }
}

/** Flags as parsed by the CLI: keys are the flags without dashes in camelCase, values strings or booleans. */
export type RawFlags = Record<string, string | boolean | undefined>

function flagKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}

/** Loads and validates the Config: defaults < environment (and *_FILE for secrets) < flags. */
export function loadConfig(flags: RawFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {}
  for (const spec of OPTIONS) {
    let raw: string | undefined
    const flagValue = flags[flagKey(spec.flag)]
    if (flagValue !== undefined) raw = typeof flagValue === 'boolean' ? String(flagValue) : flagValue
    else if (env[spec.env] !== undefined) raw = env[spec.env]
    else if (spec.secret && env[`${spec.env}_FILE`]) {
      try {
        raw = readFileSync(env[`${spec.env}_FILE`] as string, 'utf8').trim()
      } catch (e) {
        bad(spec, `${spec.env}_FILE`, `cannot read the file: ${(e as Error).message}`)
      }
    } else raw = spec.default
    if (raw === undefined) continue
    values[spec.key] = convert(spec, raw)
  }
  const url = values.clickhouseUrl as string | undefined
  const config: Config = {
    host: values.host as string,
    grpcPort: values.grpcPort as number,
    ingestPort: values.ingestPort as number,
    port: values.port as number,
    dataDir: resolve(values.dataDir as string),
    clickhouse: url
      ? { url, user: values.clickhouseUser as string, password: (values.clickhousePassword as string) ?? '' }
      : undefined,
    database: values.database as string,
    cluster: values.cluster as string | undefined,
    retentionDays: values.retentionDays as number,
    maxFutureMs: values.maxFutureMs as number,
    ingestToken: values.ingestToken as string | undefined,
    queryToken: values.queryToken as string | undefined,
    allowedHosts: values.allowedHosts as string[] | undefined,
    maxBodyBytes: values.maxBodyBytes as number,
    maxGrpcMessageBytes: values.maxGrpcMessageBytes as number,
    maxLineBytes: values.maxLineBytes as number,
    insertConcurrency: values.insertConcurrency as number,
    batchRows: values.batchRows as number,
    batchDelayMs: values.batchDelayMs as number,
    maxQueueRows: values.maxQueueRows as number,
    maxQueueBytes: values.maxQueueBytes as number,
    spoolDir: resolve((values.spoolDir as string | undefined) ?? join(values.dataDir as string, 'spool')),
    spoolMaxBytes: values.spoolMaxBytes as number,
    memoryLimitBytes: values.memoryLimitBytes as number,
    maxInflightBytes:
      (values.maxInflightBytes as number | undefined) ?? Math.floor((values.memoryLimitBytes as number) / 16),
    readTimeoutMs: values.readTimeoutMs as number,
    headerTimeoutMs: values.headerTimeoutMs as number,
    idleTimeoutMs: values.idleTimeoutMs as number,
    maxConnections: values.maxConnections as number,
    queryTimeoutMs: values.queryTimeoutMs as number,
    alertIntervalMs: values.alertIntervalMs as number,
    alertRulesFile: values.alertRulesFile as string | undefined,
    alertAllowPrivateWebhooks: values.alertAllowPrivateWebhooks as boolean,
    uiDir: values.uiDir as string | undefined,
    demo: values.demo as boolean,
    logLevel: values.logLevel as Config['logLevel'],
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.database)) {
    throw skeinError(
      'CONFIG',
      `invalid --clickhouse-database ${JSON.stringify(config.database)}: letters, digits and _ only`,
    )
  }
  if (config.cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(config.cluster)) {
    throw skeinError(
      'CONFIG',
      `invalid --clickhouse-cluster ${JSON.stringify(config.cluster)}: letters, digits, _ and - only`,
    )
  }
  if (config.cluster !== undefined && !config.clickhouse) {
    throw skeinError('CONFIG', '--clickhouse-cluster needs --clickhouse-url (a cluster is not embedded)')
  }
  if (config.headerTimeoutMs > config.readTimeoutMs) {
    throw skeinError(
      'CONFIG',
      `invalid --header-timeout ${formatDuration(config.headerTimeoutMs)}: longer than --read-timeout ${formatDuration(config.readTimeoutMs)}, which includes the headers`,
    )
  }
  return config
}
