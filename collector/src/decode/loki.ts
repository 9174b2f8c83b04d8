/**
 * Loki push JSON (`POST /loki/api/v1/push`, as sent by the `pino-loki` transport) → `otel_logs` rows.
 *
 * Body: `{"streams":[{"stream":{labels},"values":[["<ns>","<line>",{metadata}?], ...]}]}`.
 * pino-loki sends one stream per record, so the per-stream work (label checks, the resource
 * attribute map) is kept small and the per-line work does no regex.
 *
 * Each line that is a JSON object is read as a pino record: `msg` (else `message`) → Body,
 * `level` → SeverityText/SeverityNumber, `trace_id`/`span_id`/`trace_flags` (or camelCase, or the
 * same keys in structured metadata) → TraceId/SpanId/TraceFlags, everything else → LogAttributes,
 * nested objects flattened to dotted keys. Any other line is kept whole as Body.
 */
import { clip, skeinError } from '../errors.js'
import { type Decoded, L, type LogRow, newLogRow, type StrMap, UNKNOWN_SERVICE } from '../rows.js'
import { isId, jsonId, setAttr, ZERO_SPAN_ID, ZERO_TRACE_ID } from './otlp-common.js'

/** Options, validated once by whoever builds the receiver. */
export interface LokiOptions {
  /** Lines longer than this many UTF-8 bytes are truncated to it (never dropped). */
  maxLineBytes: number
}

// Loki's defaults (pkg/validation/limits.go: -validation.max-label-names-per-series=15,
// -validation.max-length-label-name=1024, -validation.max-length-label-value=2048); the messages
// below are those of pkg/validation/validate.go, so clients that parse Loki's errors still can.
export const LOKI_MAX_LABEL_NAMES = 15
export const LOKI_MAX_LABEL_NAME_LENGTH = 1024
export const LOKI_MAX_LABEL_VALUE_LENGTH = 2048
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Attribute keys marking a truncated line; the original length is in UTF-8 bytes. */
export const TRUNCATED_ATTR = 'skein.truncated'
export const ORIGINAL_LENGTH_ATTR = 'skein.original_length'

/** Nested objects deeper than this are stored as JSON under their dotted key instead of flattened. */
const MAX_FLATTEN_DEPTH = 16
const INT64_MAX = '9223372036854775807'

const NO_ATTRS: StrMap = {}

function badLoki(message: string): never {
  throw skeinError('BAD_LOKI', message)
}

/** Severity by pino level name and the usual aliases (pino-loki labels say 'warning', 'critical'). */
const LEVEL_TEXT: Record<string, [string, number]> = {
  trace: ['TRACE', 1],
  debug: ['DEBUG', 5],
  info: ['INFO', 9],
  information: ['INFO', 9],
  notice: ['INFO', 10],
  warn: ['WARN', 13],
  warning: ['WARN', 13],
  error: ['ERROR', 17],
  err: ['ERROR', 17],
  fatal: ['FATAL', 21],
  critical: ['FATAL', 21],
  crit: ['FATAL', 21],
  alert: ['FATAL', 22],
  emerg: ['FATAL', 23],
  panic: ['FATAL', 23],
}

/**
 * A row being built for one line; one object reused for the whole request so the per-line path
 * allocates only the row itself.
 */
interface Line {
  body: string
  bodySet: boolean
  message: string | undefined
  severityText: string
  severityNumber: number
  traceId: string
  spanId: string
  traceFlags: number
  attrs: StrMap
}

/**
 * Decodes a Loki push request (JSON, already parsed) into `otel_logs` rows. Labels become
 * ResourceAttributes; ServiceName is the `service_name` label, else `service`, else `job`, else
 * `unknown_service`. Invalid streams or entries throw `SKEIN_ERR_BAD_LOKI` with Loki's wording.
 */
export function decodeLokiJson(body: unknown, opts: LokiOptions): Decoded<LogRow> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    badLoki('expected a JSON object with "streams"')
  const streams = (body as { streams?: unknown }).streams
  const out: Decoded<LogRow> = { rows: [], rejected: 0 }
  if (streams === undefined || streams === null) return out
  if (!Array.isArray(streams)) badLoki('"streams" must be an array')
  const maxLineBytes = opts.maxLineBytes
  const line: Line = {
    body: '',
    bodySet: false,
    message: undefined,
    severityText: '',
    severityNumber: 0,
    traceId: '',
    spanId: '',
    traceFlags: 0,
    attrs: NO_ATTRS,
  }
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i]
    if (typeof s !== 'object' || s === null || Array.isArray(s)) badLoki(`streams[${i}]: expected an object`)
    const { stream, values } = s as { stream?: unknown; values?: unknown }
    const labels = checkLabels(stream, i)
    const service = labels.service_name || labels.service || labels.job || UNKNOWN_SERVICE
    const levelLabel = labels.level
    if (values === undefined || values === null) continue
    if (!Array.isArray(values)) badLoki(`stream '${labelString(labels)}': "values" must be an array`)
    for (let j = 0; j < values.length; j++) {
      const v = values[j]
      if (!Array.isArray(v) || v.length < 2 || v.length > 3) {
        badLoki(
          `stream '${labelString(labels)}': values[${j}] must be [timestamp, line] or [timestamp, line, metadata]`,
        )
      }
      const ts = timestamp(v[0], labels, j)
      const text = v[1]
      if (typeof text !== 'string')
        badLoki(`stream '${labelString(labels)}': values[${j}]: line must be a string`)

      line.body = ''
      line.bodySet = false
      line.message = undefined
      line.severityText = ''
      line.severityNumber = 0
      line.traceId = ''
      line.spanId = ''
      line.traceFlags = 0
      line.attrs = {}
      // UTF-16 length bounds the UTF-8 length (1 to 3 bytes per unit), so most lines skip the count.
      const bytes = text.length * 3 <= maxLineBytes ? -1 : Buffer.byteLength(text)
      if (bytes > maxLineBytes) readOversizeLine(text, bytes, maxLineBytes, line)
      else readLine(text, ts, line)
      if (v.length === 3 && v[2] !== undefined && v[2] !== null) readMetadata(v[2], line, labels, j)
      if (line.severityText === '' && typeof levelLabel === 'string') setLevel(levelLabel, line)
      if (!line.bodySet && line.message !== undefined) line.body = line.message

      const row = newLogRow()
      row[L.Timestamp] = ts
      row[L.TraceId] = line.traceId
      row[L.SpanId] = line.spanId
      row[L.TraceFlags] = line.traceFlags
      row[L.SeverityText] = line.severityText
      row[L.SeverityNumber] = line.severityNumber
      row[L.ServiceName] = service
      row[L.Body] = line.body
      row[L.ResourceAttributes] = labels
      row[L.LogAttributes] = line.attrs
      out.rows.push(row)
    }
  }
  return out
}

/** Validates a stream's labels the way Loki does and returns them as string attributes. */
function checkLabels(stream: unknown, i: number): StrMap {
  if (typeof stream !== 'object' || stream === null || Array.isArray(stream)) {
    badLoki(`streams[${i}]: "stream" must be an object of labels`)
  }
  const src = stream as Record<string, unknown>
  const labels: StrMap = {}
  let n = 0
  for (const name in src) {
    const value = src[name]
    if (value === undefined || value === null) continue
    // Labels are strings in Loki; scalars (pino-loki's propsToLabels can pass numbers) are
    // converted rather than refused, objects are refused.
    if (typeof value === 'object')
      badLoki(`stream '${labelString(src)}': label ${JSON.stringify(clip(name))} must be a string`)
    setAttr(labels, name, typeof value === 'string' ? value : String(value))
    n++
  }
  if (n === 0) badLoki('error at least one label pair is required per stream')
  if (n > LOKI_MAX_LABEL_NAMES) {
    badLoki(`entry for stream '${labelString(labels)}' has ${n} label names; limit ${LOKI_MAX_LABEL_NAMES}`)
  }
  for (const name in labels) {
    if (!LABEL_NAME_RE.test(name)) {
      badLoki(
        `error parsing labels '${labelString(labels)}' with error: invalid label name ${JSON.stringify(clip(name))}`,
      )
    }
    if (name.length > LOKI_MAX_LABEL_NAME_LENGTH) {
      badLoki(`stream '${labelString(labels)}' has label name too long: '${clip(name)}'`)
    }
    const value = labels[name]
    if (
      value.length * 3 > LOKI_MAX_LABEL_VALUE_LENGTH &&
      Buffer.byteLength(value) > LOKI_MAX_LABEL_VALUE_LENGTH
    ) {
      badLoki(`stream '${labelString(labels)}' has label value too long: '${clip(value)}'`)
    }
  }
  return labels
}

/** Loki's text form of a label set, for error messages only (sorted, like Prometheus labels). */
function labelString(labels: Record<string, unknown>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${clip(k)}=${JSON.stringify(clip(String(labels[k])))}`)
  const s = `{${parts.join(', ')}}`
  return s.length > 1024 ? `${s.slice(0, 1024)}...` : s
}

/** A push timestamp: a string of Unix nanoseconds (Loki parses it as an int64). */
function timestamp(v: unknown, labels: StrMap, j: number): string {
  if (typeof v !== 'string') {
    badLoki(`stream '${labelString(labels)}': values[${j}]: timestamp must be a string of Unix nanoseconds`)
  }
  const n = v.length
  let ok = n > 0 && n <= 19
  for (let k = 0; ok && k < n; k++) {
    const c = v.charCodeAt(k)
    if (c < 48 || c > 57) ok = false
  }
  if (!ok || (n === 19 && v > INT64_MAX)) {
    badLoki(
      `stream '${labelString(labels)}': values[${j}]: invalid timestamp ${JSON.stringify(v.slice(0, 40))}`,
    )
  }
  // Leading zeros would make a different string for the same instant.
  return n > 1 && v.charCodeAt(0) === 48 ? String(BigInt(v)) : v
}

/** Parses a line that may be a JSON object; undefined when it is anything else. */
function parseObject(text: string): Record<string, unknown> | undefined {
  let k = 0
  while (k < text.length && text.charCodeAt(k) <= 32) k++
  if (text.charCodeAt(k) !== 123 /* { */) return undefined
  let obj: unknown
  try {
    obj = JSON.parse(text)
  } catch {
    return undefined
  }
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj)
    ? (obj as Record<string, unknown>)
    : undefined
}

function readLine(text: string, ts: string, line: Line): void {
  const obj = parseObject(text)
  if (obj === undefined) {
    line.body = text
    line.bodySet = true
    return
  }
  const attrs = line.attrs
  for (const key in obj) {
    const value = obj[key]
    switch (key) {
      case 'msg':
        line.body = scalarString(value)
        line.bodySet = true
        continue
      case 'message':
        // Body when there is no `msg`; an attribute when there is one (decided at the end).
        line.message = scalarString(value)
        continue
      case 'level':
        if (setLevel(value, line)) continue
        break
      case 'time':
        // pino's epoch ms: pino-loki made the push timestamp from it, so it is redundant unless it
        // differs (pino-loki's replaceTimestamp), in which case it is kept.
        if (typeof value === 'number' && ts.length > 6 && ts.slice(0, -6) === String(value)) continue
        break
      case 'trace_id':
      case 'traceId':
        if (setTraceId(value, line)) continue
        break
      case 'span_id':
      case 'spanId':
        if (setSpanId(value, line)) continue
        break
      case 'trace_flags':
      case 'traceFlags':
        if (setTraceFlags(value, line)) continue
        break
    }
    flatten(attrs, key, value, 0)
  }
  if (line.bodySet && line.message !== undefined) setAttr(attrs, 'message', line.message)
}

/**
 * A line over the limit: the row must stay bounded, so Body is the line cut to `max` bytes (at a
 * character boundary) and its fields are not spread into attributes; but severity and trace
 * context are still taken from it, so the log stays attached to its trace.
 */
function readOversizeLine(text: string, bytes: number, max: number, line: Line): void {
  const buf = Buffer.from(text, 'utf8')
  let cut = max
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (buf[cut] & 0xc0) === 0x80) cut--
  line.body = buf.toString('utf8', 0, cut)
  line.bodySet = true
  line.attrs[TRUNCATED_ATTR] = 'true'
  line.attrs[ORIGINAL_LENGTH_ATTR] = String(bytes)
  const obj = parseObject(text)
  if (obj === undefined) return
  setLevel(obj.level, line)
  if (!setTraceId(obj.trace_id, line)) setTraceId(obj.traceId, line)
  if (!setSpanId(obj.span_id, line)) setSpanId(obj.spanId, line)
  if (!setTraceFlags(obj.trace_flags, line)) setTraceFlags(obj.traceFlags, line)
}

/** Structured metadata: trace context keys as in the line (when the line had none), the rest as attributes. */
function readMetadata(meta: unknown, line: Line, labels: StrMap, j: number): void {
  if (typeof meta !== 'object' || Array.isArray(meta)) {
    badLoki(`stream '${labelString(labels)}': values[${j}]: structured metadata must be an object`)
  }
  const m = meta as Record<string, unknown>
  for (const key in m) {
    const raw = m[key]
    const value =
      typeof raw === 'string'
        ? raw
        : raw !== null && typeof raw === 'object'
          ? JSON.stringify(raw)
          : String(raw)
    if ((key === 'trace_id' || key === 'traceId') && line.traceId === '' && setTraceId(value, line)) continue
    if ((key === 'span_id' || key === 'spanId') && line.spanId === '' && setSpanId(value, line)) continue
    if ((key === 'trace_flags' || key === 'traceFlags') && setTraceFlags(value, line)) continue
    setAttr(line.attrs, key, value)
  }
}

function setTraceId(v: unknown, line: Line): boolean {
  const id = typeof v === 'string' ? jsonId(v) : ''
  if (!isId(id, ZERO_TRACE_ID)) return false
  line.traceId = id
  return true
}

function setSpanId(v: unknown, line: Line): boolean {
  const id = typeof v === 'string' ? jsonId(v) : ''
  if (!isId(id, ZERO_SPAN_ID)) return false
  line.spanId = id
  return true
}

/** W3C trace flags: a byte, written by OTel's pino instrumentation as two hex digits ("01"). */
function setTraceFlags(v: unknown, line: Line): boolean {
  let n = -1
  if (typeof v === 'string' && v.length === 2 && /^[0-9a-fA-F]{2}$/.test(v)) n = Number.parseInt(v, 16)
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) n = v
  if (n < 0) return false
  line.traceFlags = n
  return true
}

/**
 * pino's numeric level (10 trace ... 60 fatal; custom levels fall in the band below them) or a
 * level name, onto the OTel severity scale. An unknown name is kept as text with number 0.
 */
function setLevel(v: unknown, line: Line): boolean {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const band = v >= 60 ? 5 : v >= 50 ? 4 : v >= 40 ? 3 : v >= 30 ? 2 : v >= 20 ? 1 : 0
    line.severityText = BAND_TEXT[band]
    line.severityNumber = band * 4 + 1
    return true
  }
  if (typeof v !== 'string' || v === '') return false
  const known = LEVEL_TEXT[v] ?? LEVEL_TEXT[v.toLowerCase()]
  if (known !== undefined && Object.hasOwn(LEVEL_TEXT, v.toLowerCase())) {
    line.severityText = known[0]
    line.severityNumber = known[1]
  } else if (/^\d+$/.test(v)) {
    return setLevel(Number(v), line)
  } else {
    line.severityText = v
    line.severityNumber = 0
  }
  return true
}
const BAND_TEXT = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']

/** A JSON value as an attribute string: strings as is, arrays and objects as JSON. */
function scalarString(v: unknown): string {
  if (typeof v === 'string') return v
  if (v !== null && typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** Stores `value` under `key`, spreading nested objects into dotted keys (arrays stay JSON). */
function flatten(attrs: StrMap, key: string, value: unknown, depth: number): void {
  if (typeof value === 'string') setAttr(attrs, key, value)
  else if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    depth >= MAX_FLATTEN_DEPTH
  ) {
    setAttr(attrs, key, scalarString(value))
  } else {
    const o = value as Record<string, unknown>
    let empty = true
    for (const k in o) {
      empty = false
      flatten(attrs, `${key}.${k}`, o[k], depth + 1)
    }
    // Keep the key of an empty object rather than lose that it was there.
    if (empty) setAttr(attrs, key, '{}')
  }
}
