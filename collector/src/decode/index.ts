/**
 * The decode stage: pure functions from request bodies to table rows, no I/O. Receivers call these
 * and hand the rows on; errors are SkeinErrors (BAD_PROTOBUF, BAD_JSON, BAD_LOKI) with status 400.
 * Every decoder's rows pass `settle*` (timestamps.ts) so that storage never sees a value it refuses.
 */
import type { Decoded, LogRow, SpanRow } from '../rows.js'
import { type LokiOptions, decodeLokiJson as lokiJson } from './loki.js'
import { decodeLokiProto as lokiProto } from './loki-proto.js'
import { decodeLogsJson as logsJson, decodeLogsProto as logsProto } from './otlp-logs.js'
import { decodeTracesJson as tracesJson, decodeTracesProto as tracesProto } from './otlp-traces.js'
import { settleLogs, settleSpans } from './timestamps.js'

export { type LokiOptions, ORIGINAL_LENGTH_ATTR, TRUNCATED_ATTR } from './loki.js'
export {
  futureCutoffNs,
  isStorableNs,
  rejectExpired,
  rejectFuture,
  retentionCutoffNs,
} from './timestamps.js'

export const decodeTracesProto = (buf: Uint8Array): Decoded<SpanRow> => settleSpans(tracesProto(buf))
export const decodeTracesJson = (body: unknown): Decoded<SpanRow> => settleSpans(tracesJson(body))
export const decodeLogsProto = (buf: Uint8Array): Decoded<LogRow> => settleLogs(logsProto(buf))
export const decodeLogsJson = (body: unknown): Decoded<LogRow> => settleLogs(logsJson(body))
export const decodeLokiJson = (body: unknown, opts: LokiOptions): Decoded<LogRow> =>
  settleLogs(lokiJson(body, opts))
/** An uncompressed Loki PushRequest (the receiver undoes the snappy compression). */
export const decodeLokiProto = (buf: Uint8Array, opts: LokiOptions): Decoded<LogRow> =>
  settleLogs(lokiProto(buf, opts))
