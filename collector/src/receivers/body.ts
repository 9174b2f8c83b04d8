/**
 * Request bodies: decompression with a hard output limit, so a gzip bomb is refused after inflating at
 * most `maxBytes` instead of whole; and the snappy block format of Loki's protobuf pushes, whose declared
 * length is checked before anything is allocated.
 */

import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import snappy from 'snappyjs'
import { skeinError } from '../errors.js'

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

export async function decodeBody(
  raw: Buffer,
  encoding: string | undefined,
  maxBytes: number,
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
  try {
    return enc === 'gzip'
      ? await gunzipAsync(raw, { maxOutputLength: maxBytes })
      : await inflateAsync(raw, { maxOutputLength: maxBytes })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw skeinError('BODY_TOO_LARGE', `body is over the limit of ${maxBytes} bytes after decompression`)
    }
    throw skeinError('BAD_GZIP', `body is not valid ${enc}: ${(e as Error).message}`)
  }
}

/**
 * A snappy block (not the framed format), as Loki's protobuf pushes are compressed. The block starts
 * with its uncompressed length, so an oversized body is refused before its buffer is allocated.
 */
export function snappyBlock(raw: Buffer, maxBytes: number): Buffer {
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
