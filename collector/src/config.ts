/**
 * The one typed Config of the collector, loaded in one place from defaults, environment and flags
 * (flags win), and validated once at start-up. A bad value throws a SkeinError(CONFIG) whose message is
 * one line naming the flag; `skein serve` prints it and exits non-zero.
 *
 * Each option is declared once, in DECLARED: flag, environment variable, default, help, and a kind that
 * parses and checks its text and gives the value its type. `Config` is inferred from that table, and
 * `OPTIONS` lists it for `skein serve --help`, the README's table (kept true by its test) and the
 * compose tests. What depends on several options is done after parsing, in `derive`.
 */
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { skeinError } from './errors.js'
import { formatDuration, parseBytes, parseDuration } from './units.js'

/** Says why a text is not a value of the option; the loader turns it into the one-line error. */
type Refuse = (why: string) => never

interface Declaration {
  flag: `--${string}`
  env: `SKEIN_${string}`
  /** Written as a user would write it and parsed like their text. Without one, the option may be unset. */
  default?: string
  help: string
}

/** A declared option: its names, its default, and how its text becomes a value of type T. */
export interface OptionSpec<T = unknown> extends Declaration {
  /** The constructor's name (`port`, `bytes`, …); `bool` options are flags without a value. */
  kind: string
  /** The value may also come from the file named by `${env}_FILE`, and is never printed. */
  secret?: boolean
  parse: (text: string, refuse: Refuse) => T
}

/** A kind of option whose parsing needs nothing from the declaration. */
function kind<K extends string, T>(kind: K, parse: (text: string, refuse: Refuse) => T) {
  return <const D extends Declaration>(d: D) => ({ ...d, kind, parse })
}

const port = kind('port', (text: string, refuse: Refuse) => {
  if (!/^\d+$/.test(text) || Number(text) > 65535) refuse('expected a port number 0-65535')
  return Number(text)
})

const int = kind('int', (text: string, refuse: Refuse) => {
  if (!/^\d+$/.test(text) || Number(text) < 1) refuse('expected a positive whole number')
  return Number(text)
})

/** Milliseconds. */
const duration = kind('duration', (text: string, refuse: Refuse) => {
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) refuse('expected a duration such as 200ms, 15s, 5m')
  return ms
})

/** Whole days; a bare number is days. */
const days = kind('days', (text: string, refuse: Refuse) => {
  const ms = parseDuration(/^\d+$/.test(text) ? `${text}d` : text)
  if (ms === undefined || ms < 86_400_000 || ms % 86_400_000 !== 0) refuse('expected whole days such as 30d')
  return ms / 86_400_000
})

const bytes = kind('bytes', (text: string, refuse: Refuse) => {
  const n = parseBytes(text)
  if (n === undefined || n < 1) refuse('expected a size such as 4MiB or 262144')
  return n
})

const bool = kind('bool', (text: string, refuse: Refuse) => {
  if (!/^(true|false|1|0|yes|no)$/i.test(text)) refuse('expected true or false')
  return /^(true|1|yes)$/i.test(text)
})

/** An http or https URL, kept as written. */
const url = kind('url', (text: string, refuse: Refuse) => {
  let u: URL
  try {
    u = new URL(text)
  } catch {
    refuse('expected a URL such as http://localhost:8123')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') refuse('expected an http or https URL')
  return text
})

/** An address to bind to. */
const host = kind('host', (text: string, refuse: Refuse) => {
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(text)) refuse('expected an IP address or host name')
  return text
})

const HOST_NAME = /^\.?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/

/** Host names (`.domain`: it and its subdomains) or IP addresses, comma-separated; lower-cased, without a final dot. */
const hosts = kind('hosts', (text: string, refuse: Refuse) => {
  const list = text
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
    .filter((h) => h !== '')
  if (list.length === 0 || list.some((h) => !HOST_NAME.test(h) && isIP(h) === 0))
    refuse('expected host names separated by commas, such as skein.example.com,.corp.example')
  return list
})

interface TextRules {
  /** The ClickHouse password alone: empty by default, as the server's default user has none. */
  mayBeEmpty?: true
  /** What else the text must look like, and the reason given when it does not. */
  match?: { pattern: RegExp; why: string }
}

/** Free text, not empty. */
function text<const D extends Declaration & TextRules>(d: D) {
  return {
    ...d,
    kind: 'string' as const,
    parse: (text: string, refuse: Refuse) => {
      if (text.length === 0 && !d.mayBeEmpty) refuse('must not be empty')
      if (d.match && !d.match.pattern.test(text)) refuse(d.match.why)
      return text
    },
  }
}

/** Text that may also come from `${env}_FILE` (Docker and Kubernetes secrets), and is never printed. */
function secret<const D extends Declaration & TextRules>(d: D) {
  return { ...text(d), secret: true as const }
}

/** One of a few words. */
function oneOf<const V extends string, const D extends Declaration>(values: readonly V[], d: D) {
  const words: readonly string[] = values
  const isOne = (text: string): text is V => words.includes(text)
  const expected = `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`
  return {
    ...d,
    kind: 'choice' as const,
    parse: (text: string, refuse: Refuse): V => (isOne(text) ? text : refuse(`expected ${expected}`)),
  }
}

/** Every option of `skein serve`, keyed by its name in Config. */
const DECLARED = {
  host: host({ flag: '--host', env: 'SKEIN_HOST', default: '127.0.0.1', help: 'bind address of every port' }),
  grpcPort: port({ flag: '--grpc-port', env: 'SKEIN_GRPC_PORT', default: '4317', help: 'OTLP gRPC port' }),
  ingestPort: port({
    flag: '--ingest-port',
    env: 'SKEIN_INGEST_PORT',
    default: '4318',
    help: 'OTLP HTTP and Loki push port',
  }),
  port: port({ flag: '--port', env: 'SKEIN_PORT', default: '8080', help: 'UI and query API port' }),
  dataDir: text({
    flag: '--data-dir',
    env: 'SKEIN_DATA_DIR',
    default: './.skein-data',
    help: 'embedded ClickHouse data directory',
  }),
  clickhouseUrl: url({
    flag: '--clickhouse-url',
    env: 'SKEIN_CLICKHOUSE_URL',
    help: 'ClickHouse server URL (default: embedded chDB)',
  }),
  clickhouseUser: text({
    flag: '--clickhouse-user',
    env: 'SKEIN_CLICKHOUSE_USER',
    default: 'default',
    help: 'ClickHouse user',
  }),
  clickhousePassword: secret({
    flag: '--clickhouse-password',
    env: 'SKEIN_CLICKHOUSE_PASSWORD',
    default: '',
    mayBeEmpty: true,
    help: 'ClickHouse password',
  }),
  database: text({
    flag: '--clickhouse-database',
    env: 'SKEIN_CLICKHOUSE_DATABASE',
    default: 'otel',
    match: { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, why: 'letters, digits and _ only' },
    help: 'database of the tables',
  }),
  cluster: text({
    flag: '--clickhouse-cluster',
    env: 'SKEIN_CLICKHOUSE_CLUSTER',
    match: { pattern: /^[A-Za-z_][A-Za-z0-9_-]*$/, why: 'letters, digits, _ and - only' },
    help: 'cluster name: Replicated + Distributed tables ON CLUSTER',
  }),
  retentionDays: days({
    flag: '--retention',
    env: 'SKEIN_RETENTION',
    default: '30d',
    help: 'how long data is kept (TTL), e.g. 30d; older data is refused at ingest',
  }),
  /** Rows whose time is further ahead of now than this are refused at ingest, as too far in the future. */
  maxFutureMs: duration({
    flag: '--max-future',
    env: 'SKEIN_MAX_FUTURE',
    default: '1h',
    help: 'data further ahead of the clock than this is refused at ingest',
  }),
  ingestToken: secret({
    flag: '--ingest-token',
    env: 'SKEIN_INGEST_TOKEN',
    help: 'bearer token required on ingest ports',
  }),
  queryToken: secret({
    flag: '--query-token',
    env: 'SKEIN_QUERY_TOKEN',
    help: 'bearer token required on the query API',
  }),
  /** Host names the HTTP ports answer to (`.domain` for a domain and its subdomains); unset: any. */
  allowedHosts: hosts({
    flag: '--allowed-hosts',
    env: 'SKEIN_ALLOWED_HOSTS',
    help: 'host names the HTTP ports answer to, comma-separated (.corp.example: it and its subdomains)',
  }),
  /** Largest accepted HTTP body after decompression. */
  maxBodyBytes: bytes({
    flag: '--max-body-bytes',
    env: 'SKEIN_MAX_BODY_BYTES',
    default: '20MiB',
    help: 'largest HTTP body after decompression',
  }),
  /** Largest accepted gRPC message. */
  maxGrpcMessageBytes: bytes({
    flag: '--max-grpc-message-bytes',
    env: 'SKEIN_MAX_GRPC_MESSAGE_BYTES',
    default: '4MiB',
    help: 'largest gRPC message',
  }),
  /** Loki lines longer than this are truncated (and marked). */
  maxLineBytes: bytes({
    flag: '--max-line-bytes',
    env: 'SKEIN_MAX_LINE_BYTES',
    default: '256KiB',
    help: 'Loki lines longer than this are truncated and marked',
  }),
  /**
   * Log segments per signal inserted side by side (on a server, the client's pool runs them). Default 1:
   * one insert at a time makes the largest inserts (a segment grows while the previous one is inserted).
   */
  insertConcurrency: int({
    flag: '--insert-concurrency',
    env: 'SKEIN_INSERT_CONCURRENCY',
    default: '1',
    help: 'log segments per signal inserted side by side',
  }),
  /** A log segment is inserted at this many rows... */
  batchRows: int({
    flag: '--batch-rows',
    env: 'SKEIN_BATCH_ROWS',
    default: '100000',
    help: 'rows per insert: a write-ahead log segment is sealed and inserted at this many rows',
  }),
  /** ...or once this old, when the insert stage is free: the read-after-write lag at idle. */
  batchDelayMs: duration({
    flag: '--batch-delay',
    env: 'SKEIN_BATCH_DELAY',
    default: '500ms',
    help: 'longest wait before an idle log segment is inserted: data is queryable about this long after its 2xx',
  }),
  /** Rows waiting in memory for their write to the log, per signal, before new requests are refused with 503. */
  maxQueueRows: int({
    flag: '--max-queue-rows',
    env: 'SKEIN_MAX_QUEUE_ROWS',
    default: '200000',
    help: 'rows waiting in memory for their log write, per signal, before 503',
  }),
  /** Bytes waiting in memory for their write to the log, per signal, before new requests are refused with 503. */
  maxQueueBytes: bytes({
    flag: '--max-queue-bytes',
    env: 'SKEIN_MAX_QUEUE_BYTES',
    default: '256MiB',
    help: 'bytes waiting in memory for their log write, per signal, before 503',
  }),
  walDir: text({
    flag: '--wal-dir',
    env: 'SKEIN_WAL_DIR',
    help: 'write-ahead log directory: what was acknowledged and is not yet stored (default <data-dir>/wal)',
  }),
  walMaxBytes: bytes({
    flag: '--wal-max-bytes',
    env: 'SKEIN_WAL_MAX_BYTES',
    default: '1GiB',
    help: 'largest write-ahead log (storage down or slow); past it ingest answers 503',
  }),
  /**
   * Bound of the memory the process allocated (anonymous RSS): above 85% of it, new ingest requests get
   * 503 and /health says why.
   */
  memoryLimitBytes: bytes({
    flag: '--memory-limit',
    env: 'SKEIN_MEMORY_LIMIT',
    default: '2GiB',
    help: 'bound of the memory the process allocated (anonymous RSS): above 85% of it ingest answers 503',
  }),
  maxInflightBytes: bytes({
    flag: '--max-inflight-bytes',
    env: 'SKEIN_MAX_INFLIGHT_BYTES',
    help: 'request bodies read or decoded at once; past it 503 before reading (default 1/16 of --memory-limit)',
  }),
  /** Time to receive a whole request (headers and body) on the HTTP ports; past it, 408 and closed. */
  readTimeoutMs: duration({
    flag: '--read-timeout',
    env: 'SKEIN_READ_TIMEOUT',
    default: '30s',
    help: 'time to receive a whole HTTP request, headers and body; past it 408 and the connection is closed',
  }),
  /** Time to receive a request's headers, and the longest a new connection (any port) may stay silent. */
  headerTimeoutMs: duration({
    flag: '--header-timeout',
    env: 'SKEIN_HEADER_TIMEOUT',
    default: '10s',
    help: "time to receive a request's headers; a new connection silent this long is closed (every port)",
  }),
  /** Connections without a request in flight are closed after this (HTTP keep-alive, gRPC). */
  idleTimeoutMs: duration({
    flag: '--idle-timeout',
    env: 'SKEIN_IDLE_TIMEOUT',
    default: '60s',
    help: 'connections without a request in flight are closed after this (HTTP keep-alive, gRPC)',
  }),
  /** Connections each port takes at once (fitted at start-up under the open-files limit, http/connections.ts). */
  maxConnections: int({
    flag: '--max-connections',
    env: 'SKEIN_MAX_CONNECTIONS',
    default: '1024',
    help: 'connections each port takes at once; lowered at start-up to fit the open-files limit',
  }),
  /** Server-side time limit of every API query. */
  queryTimeoutMs: duration({
    flag: '--query-timeout',
    env: 'SKEIN_QUERY_TIMEOUT',
    default: '30s',
    help: 'server-side time limit of API queries',
  }),
  alertIntervalMs: duration({
    flag: '--alert-interval',
    env: 'SKEIN_ALERT_INTERVAL',
    default: '15s',
    help: 'how often alert rules are evaluated',
  }),
  alertRulesFile: text({
    flag: '--alert-rules',
    env: 'SKEIN_ALERT_RULES',
    help: 'YAML file of alert rules to provision',
  }),
  /** Alert webhooks may go to loopback and private addresses (never link-local or metadata ones). */
  alertAllowPrivateWebhooks: bool({
    flag: '--alert-allow-private-webhooks',
    env: 'SKEIN_ALERT_ALLOW_PRIVATE_WEBHOOKS',
    default: 'false',
    help: 'alert webhooks may go to loopback and private addresses (link-local and metadata never)',
  }),
  /** Links in alert notifications (example traces, the comparison) start with it; see alerts/evidence.ts. */
  publicUrl: url({
    flag: '--public-url',
    env: 'SKEIN_PUBLIC_URL',
    help: "the address people open the UI at, for links in alert notifications (default: the UI's own address)",
  }),
  uiDir: text({ flag: '--ui-dir', env: 'SKEIN_UI_DIR', help: 'folder of the built UI (default: ui/dist)' }),
  demo: bool({
    flag: '--demo',
    env: 'SKEIN_DEMO',
    default: 'false',
    help: 'also run the example shop against it',
  }),
  logLevel: oneOf(['debug', 'info', 'warn', 'error', 'silent'], {
    flag: '--log-level',
    env: 'SKEIN_LOG_LEVEL',
    default: 'info',
    help: 'debug, info, warn, error or silent',
  }),
}

type Declared = typeof DECLARED
type Kind = Declared[keyof Declared]['kind']
type ValueOf<O> = O extends OptionSpec<infer T> ? T : never
type Flat<T> = { [K in keyof T]: T[K] }

/** Each option's parsed value: always there when it has a default, else optional. */
type Values<T> = Flat<
  { -readonly [K in keyof T as T[K] extends { default: string } ? K : never]: ValueOf<T[K]> } & {
    -readonly [K in keyof T as T[K] extends { default: string } ? never : K]?: ValueOf<T[K]>
  }
>

/** Options that `derive` turns into other fields. */
type Derived = 'clickhouseUrl' | 'clickhouseUser' | 'clickhousePassword' | 'walDir' | 'maxInflightBytes'

export type Config = Flat<
  Omit<Values<Declared>, Derived> & {
    /** Server mode; unset: the embedded engine. */
    clickhouse?: { url: string; user: string; password: string }
    /** The write-ahead log: acknowledged rows not yet stored (default <data-dir>/wal). */
    walDir: string
    /** Request-body bytes read or decoded at once; past it, requests get 503 before their body is read. */
    maxInflightBytes: number
  }
>

/** Every option with its key in DECLARED, in order: `skein serve --help`, the README table's test, compose tests. */
export const OPTIONS: readonly (OptionSpec & { key: string; kind: Kind })[] = Object.entries(DECLARED).map(
  ([key, spec]) => ({ key, ...spec }),
)

/** Flags as parsed by the CLI: keys are the flags without dashes in camelCase, values strings or booleans. */
export type RawFlags = Record<string, string | boolean | undefined>

/** Loads and validates the Config: defaults < environment (and *_FILE for secrets) < flags. */
export function loadConfig(flags: RawFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Object.fromEntries(
    Object.entries(DECLARED).map(([key, spec]) => [key, parseOption(spec, flags, env)]),
  )
  // Each key holds what its own spec's parse returned, or undefined for an unset option without a
  // default: Values<Declared> exactly. TypeScript does not follow a mapped type through fromEntries.
  return derive(parsed as Values<Declared>)
}

/** The steps after parsing: options that default to or fold into others, and checks across options. */
function derive(values: Values<Declared>): Config {
  const { clickhouseUrl, clickhouseUser, clickhousePassword, walDir, maxInflightBytes, ...rest } = values
  if (rest.cluster !== undefined && clickhouseUrl === undefined)
    throw skeinError('CONFIG', '--clickhouse-cluster needs --clickhouse-url (a cluster is not embedded)')
  if (rest.headerTimeoutMs > rest.readTimeoutMs) {
    throw skeinError(
      'CONFIG',
      `invalid --header-timeout ${formatDuration(rest.headerTimeoutMs)}: longer than --read-timeout ${formatDuration(rest.readTimeoutMs)}, which includes the headers`,
    )
  }
  return {
    ...rest,
    dataDir: resolve(rest.dataDir),
    clickhouse:
      clickhouseUrl === undefined
        ? undefined
        : { url: clickhouseUrl, user: clickhouseUser, password: clickhousePassword },
    walDir: resolve(walDir ?? join(rest.dataDir, 'wal')),
    maxInflightBytes: maxInflightBytes ?? Math.floor(rest.memoryLimitBytes / 16),
  }
}

function parseOption(spec: OptionSpec, flags: RawFlags, env: NodeJS.ProcessEnv): unknown {
  const text = textOf(spec, flags, env)
  return text === undefined ? undefined : spec.parse(text, (why) => refuse(spec, text, why))
}

/** The option's text: its flag, else its environment variable, else (secrets) the file `${env}_FILE` names, else its default. */
function textOf(spec: OptionSpec, flags: RawFlags, env: NodeJS.ProcessEnv): string | undefined {
  const flag = flags[flagKey(spec.flag)]
  if (flag !== undefined) return String(flag)
  if (env[spec.env] !== undefined) return env[spec.env]
  const file = spec.secret ? env[`${spec.env}_FILE`] : undefined
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim()
    } catch (e) {
      refuse(spec, `${spec.env}_FILE`, `cannot read the file: ${(e as Error).message}`)
    }
  }
  return spec.default
}

function refuse(spec: OptionSpec, text: string, why: string): never {
  const shown = spec.secret ? '(hidden)' : JSON.stringify(text)
  throw skeinError('CONFIG', `invalid ${spec.flag} ${shown}: ${why} (flag ${spec.flag} or env ${spec.env})`)
}

/** `--max-body-bytes` → `maxBodyBytes`, as commander names it. */
function flagKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}
