/**
 * HTTP requests exactly as written, for probing a server's edge: `node:http` sends the path byte for byte
 * (fetch would normalise some spellings, and refuses a malformed one), and `rawSocket` sends any bytes at
 * all (a request line no client library would write).
 */
import { request } from 'node:http'
import { connect } from 'node:net'

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export function rawHttp(
  baseUrl: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Writes `bytes` to a fresh connection and returns everything the server wrote back before closing. */
export function rawSocket(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(bytes))
    const chunks: Buffer[] = []
    s.on('data', (c: Buffer) => chunks.push(c))
    s.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(e),
    )
    s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    s.setTimeout(10_000, () => s.destroy(new Error('no answer within 10 s')))
  })
}

/** The status and JSON body of a raw HTTP/1.1 answer as `rawSocket` returns it. */
export function parseRawAnswer(raw: string): { status: number; headers: string; json: any } {
  const [head, ...rest] = raw.split('\r\n\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
  return { status, headers: head.toLowerCase(), json: parse(rest.join('\r\n\r\n')) }
}
