/**
 * The few protobuf messages the collector writes back: Export*ServiceResponse (empty or with
 * partial_success) and google.rpc.Status for errors. Hand-encoded: they are tiny and fixed.
 */

function varint(out: number[], n: number): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
}

function lenField(out: number[], field: number, bytes: Uint8Array | number[]): void {
  varint(out, (field << 3) | 2)
  varint(out, bytes.length)
  for (const b of bytes) out.push(b)
}

/**
 * ExportTraceServiceResponse / ExportLogsServiceResponse: field 1 partial_success { 1: rejected count
 * (int64), 2: error_message }. Both responses share this layout.
 */
export function exportResponseProto(rejected: number, message?: string): Uint8Array {
  if (rejected === 0 && !message) return new Uint8Array(0)
  const inner: number[] = []
  if (rejected > 0) {
    varint(inner, (1 << 3) | 0)
    varint(inner, rejected)
  }
  if (message) lenField(inner, 2, Buffer.from(message, 'utf8'))
  const out: number[] = []
  lenField(out, 1, inner)
  return Uint8Array.from(out)
}

export function exportResponseJson(signal: 'spans' | 'logs', rejected: number, message?: string): object {
  if (rejected === 0 && !message) return {}
  const key = signal === 'spans' ? 'rejectedSpans' : 'rejectedLogRecords'
  return { partialSuccess: { [key]: String(rejected), errorMessage: message ?? '' } }
}

/** google.rpc.Status { 1: code (int32), 2: message }. */
export function statusProto(grpcCode: number, message: string): Uint8Array {
  const out: number[] = []
  if (grpcCode > 0) {
    varint(out, (1 << 3) | 0)
    varint(out, grpcCode)
  }
  lenField(out, 2, Buffer.from(message, 'utf8'))
  return Uint8Array.from(out)
}
