/**
 * Request bodies: decompression with a hard output limit, so a gzip bomb is refused after inflating at
 * most `maxBytes` instead of whole.
 */

import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
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
