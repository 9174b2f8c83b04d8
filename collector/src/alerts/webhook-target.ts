/**
 * Where an alert webhook may go. Whoever may create a rule chooses a URL that the collector then POSTs
 * to from inside its network: without limits that reaches loopback services, private networks and the
 * cloud metadata service (credentials at 169.254.169.254), and the outcome recorded on each event tells
 * open ports from closed ones.
 *
 * Two checks, as Grafana's alerting does it (a dialer that judges the resolved address):
 * - at rule creation, what the URL says by itself (`checkWebhookUrl`): credentials, metadata host names,
 *   IP literals however spelled (the URL parser turns `2130706433`, `0x7f.1`, `0177.0.0.1` into
 *   127.0.0.1 first), `localhost` names. A name is not resolved there: its answer may change.
 * - at send time, every address the host resolves to (`guardedLookup`), handed to the connection as the
 *   only addresses it may use, so an answer that changes between the check and the connection (DNS
 *   rebinding) has no second lookup to win.
 *
 * Link-local, metadata, unspecified, multicast and reserved addresses are never allowed; loopback and
 * private ones only with --alert-allow-private-webhooks (a receiver on the same host or network).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { skeinError } from '../errors.js'

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved'

export interface WebhookPolicy {
  /** Loopback and private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, ...) are allowed. */
  allowPrivate: boolean
}

/** Allowed with --alert-allow-private-webhooks; every other class but public is never allowed. */
const PRIVATE: ReadonlySet<AddressClass> = new Set(['loopback', 'private'])

export function addressAllowed(c: AddressClass, policy: WebhookPolicy): boolean {
  return c === 'public' || (policy.allowPrivate && PRIVATE.has(c))
}

/** Names of cloud metadata services (GCP, AWS) that need no address to be dangerous. */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
])

/** Metadata services at addresses outside the link-local range: Alibaba Cloud, Oracle Cloud, AWS IPv6. */
const METADATA_V4 = new Set([ipv4('100.100.100.200'), ipv4('192.0.0.192')])
const METADATA_V6 = 'fd00:ec2:0:0:0:0:0:254'

/** Dotted-quad IPv4 → its 32-bit value; undefined for anything else. */
function ipv4(text: string): number | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

/** IPv6 text (with `::`, an embedded dotted quad, a zone) → its eight 16-bit groups. */
function ipv6(text: string): number[] | undefined {
  let s = text.toLowerCase()
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  const lastColon = s.lastIndexOf(':')
  if (s.includes('.', lastColon)) {
    // ::ffff:127.0.0.1 → ::ffff:7f00:1
    const v4 = ipv4(s.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const groups = (h: string) => (h === '' ? [] : h.split(':'))
  const parse = (g: string) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN)
  const head = groups(halves[0]).map(parse)
  const tail = halves.length === 2 ? groups(halves[1]).map(parse) : []
  if ([...head, ...tail].some(Number.isNaN)) return undefined
  const known = head.length + tail.length
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined
  return [...head, ...new Array<number>(8 - known).fill(0), ...tail]
}

const inV4 = (n: number, base: string, bits: number) =>
  bits === 0 || n >>> (32 - bits) === (ipv4(base) as number) >>> (32 - bits)

function classifyV4(n: number): AddressClass {
  if (METADATA_V4.has(n) || n === ipv4('169.254.169.254')) return 'metadata'
  if (inV4(n, '0.0.0.0', 8)) return 'unspecified'
  if (inV4(n, '127.0.0.0', 8)) return 'loopback'
  if (inV4(n, '169.254.0.0', 16)) return 'link-local'
  if (
    inV4(n, '10.0.0.0', 8) ||
    inV4(n, '172.16.0.0', 12) ||
    inV4(n, '192.168.0.0', 16) ||
    inV4(n, '100.64.0.0', 10) || // carrier-grade NAT, used inside clouds
    inV4(n, '198.18.0.0', 15) // benchmarking, used inside networks
  )
    return 'private'
  if (inV4(n, '224.0.0.0', 4)) return 'multicast'
  if (inV4(n, '240.0.0.0', 4) || inV4(n, '192.0.0.0', 24)) return 'reserved'
  return 'public'
}

function classifyV6(g: number[]): AddressClass {
  const embedded = (hi: number, lo: number) => classifyV4(((hi << 16) | lo) >>> 0)
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (g.map((x) => x.toString(16)).join(':') === METADATA_V6) return 'metadata'
  if (zeros(0, 8)) return 'unspecified'
  if (zeros(0, 7) && g[7] === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d): the IPv4 address is the target.
  if (zeros(0, 5) && g[5] === 0xffff) return embedded(g[6], g[7])
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(g[6], g[7])
  // IPv4-compatible (deprecated), and anything else in ::/96.
  if (zeros(0, 6)) return 'reserved'
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they carry.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(g[6], g[7])
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'
  if (g[0] === 0x2002) return embedded(g[1], g[2])
  // Teredo hides the IPv4 address it reaches; discard-only 100::/64.
  if (g[0] === 0x2001 && g[1] === 0) return 'reserved'
  if (g[0] === 0x100 && zeros(1, 4)) return 'reserved'
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local'
  if ((g[0] & 0xffc0) === 0xfec0) return 'private' // site-local, deprecated
  if ((g[0] & 0xfe00) === 0xfc00) return 'private' // unique local
  if ((g[0] & 0xff00) === 0xff00) return 'multicast'
  return 'public'
}

/** The class of an IP address as text; what is not an address is `reserved` (never allowed). */
export function classifyAddress(ip: string): AddressClass {
  const v4 = ipv4(ip)
  if (v4 !== undefined) return classifyV4(v4)
  const v6 = ip.includes(':') ? ipv6(ip) : undefined
  return v6 ? classifyV6(v6) : 'reserved'
}

/** A URL's host without brackets and trailing dots, lower-case (the URL parser has lowered names). */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '')
}

const isIpLiteral = (host: string) => ipv4(host) !== undefined || host.includes(':')

/** What the URL's host says by itself: its class, or undefined for a name only resolving can judge. */
function hostClass(host: string): AddressClass | undefined {
  if (METADATA_HOSTS.has(host)) return 'metadata'
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback'
  return isIpLiteral(host) ? classifyAddress(host) : undefined
}

const FLAG_HINT = 'private and loopback receivers need --alert-allow-private-webhooks'

/** The flag's hint, where the flag would help. */
const hint = (c: AddressClass) => (PRIVATE.has(c) ? `; ${FLAG_HINT}` : '')

function refusedAt(c: AddressClass): string {
  return `address not allowed (${c})${hint(c)}`
}

/**
 * The check at rule creation (API, provisioning): throws SkeinError(WEBHOOK_NOT_ALLOWED) naming the field
 * `webhookUrl`, never repeating the URL (it may hold a secret). The URL is already known to parse as
 * http(s) (rule.ts).
 */
export function checkWebhookUrl(webhookUrl: string, policy: WebhookPolicy): void {
  function refuse(why: string): never {
    throw skeinError('WEBHOOK_NOT_ALLOWED', `invalid rule field webhookUrl: ${why}`)
  }
  let url: URL
  try {
    url = new URL(webhookUrl)
  } catch {
    refuse('expected an http or https URL')
  }
  if (url.username !== '' || url.password !== '')
    refuse('must not contain a user name or password; put a secret in the path or the query instead')
  const c = hostClass(bareHost(url))
  if (c !== undefined && !addressAllowed(c, policy)) refuse(refusedAt(c))
}

/** What an event records of a refusal: the same for every address, so events cannot map a network. */
export const REFUSED = 'webhook refused: address not allowed'

/**
 * A target the policy does not allow, found at send time: `shown` goes on the event, `detail` (which
 * address, and why) only to the collector's log.
 */
export class WebhookRefused extends Error {
  constructor(
    readonly detail: string,
    readonly shown: string = REFUSED,
  ) {
    super(shown)
    this.name = 'WebhookRefused'
  }
}

export function isWebhookRefused(e: unknown): e is WebhookRefused {
  return e instanceof WebhookRefused
}

/** Every address of a host name, as `dns.lookup(host, { all: true })` gives them. */
export type ResolveHost = (host: string, family?: number) => Promise<LookupAddress[]>

export const systemResolve: ResolveHost = (host, family) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, family: family ?? 0 }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  )

/**
 * The `lookup` of the webhook's connection: resolves the host, refuses the whole answer when any address is
 * not allowed (a public decoy beside a private address), and hands the connection exactly the addresses
 * it checked. Answers both ways net.connect asks: `all` (a list, for autoSelectFamily) or one address.
 */
export function guardedLookup(policy: WebhookPolicy, resolve: ResolveHost = systemResolve): LookupFunction {
  type Callback = (err: Error | null, address?: string | LookupAddress[], family?: number) => void
  return ((hostname: string, options: { all?: boolean; family?: number | string }, callback: Callback) => {
    const family = options.family === 'IPv6' ? 6 : options.family === 'IPv4' ? 4 : Number(options.family ?? 0)
    resolve(hostname, family).then(
      (addresses) => {
        if (addresses.length === 0) {
          const e = Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' })
          return callback(e)
        }
        for (const a of addresses) {
          const c = classifyAddress(a.address)
          if (!addressAllowed(c, policy))
            return callback(
              new WebhookRefused(`${hostname} resolves to ${a.address}, a ${c} address${hint(c)}`),
            )
        }
        if (options.all) callback(null, addresses)
        else callback(null, addresses[0].address, addresses[0].family)
      },
      (err: Error) => callback(err),
    )
  }) as LookupFunction
}

/**
 * The check at send time of what the URL says by itself (the resolved addresses are checked by
 * `guardedLookup`): throws WebhookRefused. Connecting to an IP literal skips the lookup, so literals are
 * judged here.
 */
export function checkTarget(url: URL, policy: WebhookPolicy): void {
  if (url.username !== '' || url.password !== '')
    throw new WebhookRefused('the URL carries credentials', 'webhook refused: credentials in the URL')
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookRefused('not an http(s) URL', 'webhook refused: not an http(s) URL')
  const host = bareHost(url)
  const c = hostClass(host)
  if (c !== undefined && !addressAllowed(c, policy))
    throw new WebhookRefused(`${host} is a ${c} address${hint(c)}`)
}

/** The host to connect to: a bare IPv6 literal, or the name the lookup will resolve. */
export function connectHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '')
}
