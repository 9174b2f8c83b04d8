/**
 * The decode stage: pure functions from request bodies to table rows, no I/O. Receivers call these
 * and hand the rows on; errors are SkeinErrors (BAD_PROTOBUF, BAD_JSON, BAD_LOKI) with status 400.
 */
export { decodeLokiJson, type LokiOptions, ORIGINAL_LENGTH_ATTR, TRUNCATED_ATTR } from './loki.js'
export { decodeLogsJson, decodeLogsProto } from './otlp-logs.js'
export { decodeTracesJson, decodeTracesProto } from './otlp-traces.js'
