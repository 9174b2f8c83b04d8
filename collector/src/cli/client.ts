/**
 * The query commands' HTTP client and shared flags: `--url` (env SKEIN_URL), `--token` (env
 * SKEIN_QUERY_TOKEN), `--json`. Every failure becomes a CliError whose message is one line; `cli.ts`
 * prints it and exits non-zero.
 */
import { answerError, answerJson } from '@skein/model/answer'
import { type Command, Option } from 'commander'
import { parseDuration } from '../units.js'

export const DEFAULT_URL = 'http://127.0.0.1:8080'
/** Longer than the server's own query time limit (30 s by default), so its answer arrives first. */
const REQUEST_TIMEOUT_MS = 60_000

export class CliError extends Error {
  override name = 'CliError'
}

export interface ClientFlags {
  url: string
  token?: string
  json?: boolean
}

/** Adds the flags every query command shares. */
export function withClientFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'Skein API base URL').env('SKEIN_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'bearer token of the query API').env('SKEIN_QUERY_TOKEN'))
    .option('--json', 'print the API response as JSON')
}

export type Params = Record<string, string | number | boolean | readonly string[] | undefined>

/**
 * `prefix`: /api/v1, Skein's own API; /tempo for the Tempo API that answers TraceQL (`skein traces
 * --query`).
 */
export function apiUrl(base: string, path: string, params: Params = {}, prefix = '/api/v1'): URL {
  let url: URL
  try {
    url = new URL(`${prefix}${path}`, base)
  } catch {
    throw new CliError(`invalid --url ${JSON.stringify(base)}: expected a URL such as ${DEFAULT_URL}`)
  }
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === false) continue
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one))
  }
  return url
}

/**
 * One request to the API, with the one-line failures every command prints: unreachable server, an API
 * error (its code and message), a body that is not JSON. A 204 or empty body gives undefined.
 */
export async function apiRequest<T>(
  flags: ClientFlags,
  method: string,
  path: string,
  options: { params?: Params; body?: unknown; prefix?: string } = {},
): Promise<T | undefined> {
  const url = apiUrl(flags.url, path, options.params, options.prefix)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (flags.token) headers.authorization = `Bearer ${flags.token}`
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    const why = cause?.code ?? cause?.message ?? (e as Error).message
    throw new CliError(
      `cannot reach Skein at ${url.origin} (${why}); is \`skein serve\` running? Set --url or SKEIN_URL`,
    )
  }
  const text = await res.text()
  const body = answerJson(text)
  if (!res.ok) {
    const err = answerError(body)
    const what = err ? `${err.code}: ${err.message}` : `HTTP ${res.status}`
    const hint = res.status === 401 ? ' (set --token or SKEIN_QUERY_TOKEN)' : ''
    throw new CliError(`the API answered ${res.status} ${what}${hint}`.replace(/\s*\n\s*/g, ' '))
  }
  if (body === undefined && text)
    throw new CliError(`the API at ${url.origin} did not answer JSON; is --url pointing at Skein's API port?`)
  return body as T | undefined
}

/** GET a JSON document from the API. */
export async function apiGet<T>(
  flags: ClientFlags,
  path: string,
  params?: Params,
  prefix?: string,
): Promise<T> {
  const body = await apiRequest<T>(flags, 'GET', path, { params, prefix })
  if (body === undefined)
    throw new CliError(
      `the API at ${apiUrl(flags.url, path).origin} did not answer JSON; is --url pointing at Skein's API port?`,
    )
  return body
}

/** `--since 1h` / `--min 200ms` (a bare number is milliseconds). */
export function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDuration(text)
  if (ms === undefined)
    throw new CliError(
      `invalid ${flag} ${JSON.stringify(text)}: expected a duration such as 200ms, 1.5s, 15m, 1h`,
    )
  return ms
}

export function lookbackFlag(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  if (parseDuration(text) === undefined)
    throw new CliError(`invalid --since ${JSON.stringify(text)}: expected a duration such as 15m, 1h, 7d`)
  return text
}

export function intFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new CliError(`invalid ${flag} ${JSON.stringify(text)}: expected a positive whole number`)
  return Number(text)
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
