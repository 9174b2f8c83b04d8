/**
 * Request bodies: read within the in-flight budget (pipeline/memory.ts), decompressed with a hard output
 * limit, so a gzip bomb is refused after inflating at most `maxBytes` instead of whole; and the snappy
 * block format of Loki's protobuf pushes, whose declared length is checked before anything is allocated.
 *
 * `take(bytes)` asks the budget for more bytes and returns why not (a 503 for the client) when it cannot
 * have them: every buffer a request holds beyond what it declared upfront is asked for before it exists.
 */

import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import snappy from 'snappyjs'
import { type SkeinError, skeinError } from '../errors.js'

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

/** Asks the in-flight budget for `bytes` more; the refusal's message when it cannot have them. */
export type Take = (bytes: number) => string | undefined

const refused = (message: string) => skeinError('BACKPRESSURE', message)

/**
 * Reads a body up to `limit` bytes. With a declared length (taken from the budget before reading), the
 * chunks are copied into one buffer of that size as they arrive and freed at once, instead of all being
 * kept until a final concatenation doubles them; without one (chunked), each chunk is taken from the
 * budget as it comes. Past the limit, or once refused, it keeps draining (without keeping) so the client
 * reads our 413 or 503 instead of a broken pipe; past four times the limit it gives up on the connection.
 */
export function readBody(
  stream: NodeJS.ReadableStream,
  limit: number,
  declared?: number,
  take?: Take,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const whole = declared !== undefined && declared <= limit ? Buffer.allocUnsafe(declared) : undefined
    let chunks: Buffer[] = []
    let size = 0
    let refusal: SkeinError | undefined
    const tooLarge = () => skeinError('BODY_TOO_LARGE', `body is over the limit of ${limit} bytes`)
    stream.on('data', (chunk: Buffer) => {
      const at = size
      size += chunk.length
      if (size > limit || refusal) {
        chunks = []
        if (size > limit * 4) (stream as unknown as { destroy(): void }).destroy()
        return
      }
      if (whole) {
        chunk.copy(whole, at)
        return
      }
      const no = take?.(chunk.length)
      if (no) {
        refusal = refused(no)
        chunks = []
      } else chunks.push(chunk)
    })
    stream.on('error', reject)
    stream.on('close', () => {
      if (size > limit) reject(tooLarge())
    })
    stream.on('end', () => {
      if (refusal) reject(refusal)
      else if (size > limit) reject(tooLarge())
      else resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size))
    })
  })
}

/** The uncompressed size a gzip member declares in its trailer (ISIZE, modulo 2^32), if it has one. */
function gzipDeclaredSize(raw: Buffer): number | undefined {
  return raw.length >= 18 && raw[0] === 0x1f && raw[1] === 0x8b ? raw.readUInt32LE(raw.length - 4) : undefined
}

export async function decodeBody(
  raw: Buffer,
  encoding: string | undefined,
  maxBytes: number,
  take?: Take,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase()
  if (enc === 'identity' || enc === '') {
    if (raw.length > maxBytes)
      throw skeinError('BODY_TOO_LARGE', `body of ${raw.length} bytes is over the limit of ${maxBytes}`)
    return raw
  }
  if (enc !== 'gzip' && enc !== 'deflate') {
    throw skeinError(
      'UNSUPPORTED_ENCODING',
      `Content-Encoding ${JSON.stringify(enc)} is not supported; use gzip or none`,
    )
  }
  // Gzip says how large it inflates to: that much is taken before inflating. The trailer is only the
  // sender's word (a bomb lies), so the output limit stays, and what comes out beyond it is taken after.
  const declared = enc === 'gzip' ? Math.min(gzipDeclaredSize(raw) ?? 0, maxBytes) : 0
  const before = declared > 0 ? take?.(declared) : undefined
  if (before) throw refused(before)
  let out: Buffer
  try {
    out =
      enc === 'gzip'
        ? await gunzipAsync(raw, { maxOutputLength: maxBytes })
        : await inflateAsync(raw, { maxOutputLength: maxBytes })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw skeinError('BODY_TOO_LARGE', `body is over the limit of ${maxBytes} bytes after decompression`)
    }
    throw skeinError('BAD_GZIP', `body is not valid ${enc}: ${(e as Error).message}`)
  }
  const after = out.length > declared ? take?.(out.length - declared) : undefined
  if (after) throw refused(after)
  return out
}

/** The uncompressed length a snappy block starts with (a varint of up to 5 bytes). */
function snappyDeclaredSize(raw: Buffer): number {
  let n = 0
  for (let i = 0; i < Math.min(raw.length, 5); i++) {
    n += (raw[i] & 0x7f) * 2 ** (7 * i)
    if (raw[i] < 0x80) break
  }
  return n
}

/**
 * A snappy block (not the framed format), as Loki's protobuf pushes are compressed. The block starts
 * with its uncompressed length, so an oversized body is refused before its buffer is allocated, and the
 * budget is asked for that length first.
 */
export function snappyBlock(raw: Buffer, maxBytes: number, take?: Take): Buffer {
  const no = take?.(Math.min(snappyDeclaredSize(raw), maxBytes))
  if (no) throw refused(no)
  let out: Uint8Array
  try {
    out = snappy.uncompress(raw, maxBytes)
  } catch (e) {
    const message = (e as Error).message
    if (/too big/.test(message))
      throw skeinError('BODY_TOO_LARGE', `body is over the limit of ${maxBytes} bytes after decompression`)
    throw skeinError('BAD_SNAPPY', `body is not a valid snappy block: ${message}`)
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}
