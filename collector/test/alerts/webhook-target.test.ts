/**
 * Where a webhook may go (issue 18, item 6: rules could aim webhooks at loopback, private networks and
 * cloud metadata services, and the event log then worked as a port scanner). Addresses are classified
 * from their text, IPv4 and IPv6 alike; link-local, metadata and the like are never allowed, loopback and
 * private only with --alert-allow-private-webhooks.
 */
import { describe, expect, it } from 'vitest'
import {
  addressAllowed,
  checkWebhookUrl,
  classifyAddress,
  guardedLookup,
  isWebhookRefused,
} from '../../src/alerts/webhook-target.js'
import { isSkeinError } from '../../src/errors.js'

const deny = { allowPrivate: false }
const allow = { allowPrivate: true }

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['198.18.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['64:ff9b:1::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['100::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['not an address', 'reserved'],
    ['1.2.3.4.5', 'reserved'],
    ['1::2::3', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['2001:db8::1', 'public'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected)
  })

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:c0a8:0101::1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is classified by the IPv4 address it carries (%s)', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected)
  })
})

describe('addressAllowed', () => {
  it('allows loopback and private addresses only when private webhooks are allowed', () => {
    for (const c of ['loopback', 'private'] as const) {
      expect(addressAllowed(c, deny)).toBe(false)
      expect(addressAllowed(c, allow)).toBe(true)
    }
  })

  it('never allows link-local, metadata, unspecified, multicast or reserved addresses', () => {
    for (const c of ['link-local', 'metadata', 'unspecified', 'multicast', 'reserved'] as const) {
      expect(addressAllowed(c, allow)).toBe(false)
    }
  })

  it('allows public addresses', () => {
    expect(addressAllowed('public', deny)).toBe(true)
  })
})

/** The code and message of the error a URL raises at rule creation. */
function refusal(url: string, policy = deny): { code: string; message: string } | undefined {
  try {
    checkWebhookUrl(url, policy)
    return undefined
  } catch (e) {
    if (isSkeinError(e)) return { code: e.code, message: e.message }
    throw e
  }
}

describe('checkWebhookUrl (rule creation)', () => {
  it.each([
    'http://127.0.0.1:8080/hook',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://localhost:9000/hook',
    'http://LOCALHOST./hook',
    'http://api.localhost/hook',
    'http://10.0.0.5/hook',
    'http://192.168.1.10/hook',
    'http://[fd00::1]/hook',
    'http://100.64.1.1/hook',
  ])('refuses %s unless private webhooks are allowed', (url) => {
    const e = refusal(url)
    expect(e?.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
    expect(e?.message).toContain('webhookUrl')
    expect(e?.message).toContain('--alert-allow-private-webhooks')
    expect(refusal(url, allow)).toBeUndefined()
  })

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fe80::1]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/',
    'http://metadata/computeMetadata/v1/',
    'http://100.100.100.200/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://0.0.0.0:22/',
    'http://0/',
    'http://[::]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
  ])('refuses %s even when private webhooks are allowed', (url) => {
    const e = refusal(url, allow)
    expect(e?.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
    expect(e?.message).not.toContain('--alert-allow-private-webhooks')
  })

  it('refuses a URL with a user name or password, without repeating them', () => {
    for (const url of ['https://admin:hunter2@hooks.example.com/x', 'https://token@hooks.example.com/x']) {
      const e = refusal(url, allow)
      expect(e?.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
      expect(e?.message).toContain('webhookUrl')
      expect(e?.message).not.toContain('hunter2')
      expect(e?.message).not.toContain('token')
    }
  })

  it('accepts public addresses and names it cannot judge without resolving them', () => {
    expect(refusal('https://hooks.slack.com/services/T0/B0/xyz')).toBeUndefined()
    expect(refusal('http://8.8.8.8/hook')).toBeUndefined()
    expect(refusal('https://[2606:4700::1111]/hook')).toBeUndefined()
  })
})

describe('guardedLookup (send time)', () => {
  type Answer = { address: string; family: number }[]
  /** Runs the lookup as net.connect does, with `all` as autoSelectFamily asks for. */
  function lookup(policy: typeof deny, answer: Answer, all = true) {
    const resolve = async () => answer
    return new Promise<{ err: Error | null; result: unknown }>((done) =>
      guardedLookup(policy, resolve)('hooks.test', { all }, (err: Error | null, result: unknown) =>
        done({ err, result }),
      ),
    )
  }

  it('hands over the addresses it checked', async () => {
    const answer = [
      { address: '8.8.8.8', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]
    expect(await lookup(deny, answer)).toEqual({ err: null, result: answer })
  })

  it('answers a caller that wants one address with the first', async () => {
    const got = await new Promise((done) =>
      guardedLookup(deny, async () => [{ address: '8.8.8.8', family: 4 }])(
        'hooks.test',
        {},
        (err, address, family) => done([err, address, family]),
      ),
    )
    expect(got).toEqual([null, '8.8.8.8', 4])
  })

  it('refuses the whole answer when any address is not allowed (a public decoy beside a private one)', async () => {
    const { err } = await lookup(deny, [
      { address: '8.8.8.8', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ])
    expect(isWebhookRefused(err)).toBe(true)
  })

  it('refuses metadata addresses however they are spelled, even when private webhooks are allowed', async () => {
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', 'fe80::1']) {
      const { err } = await lookup(allow, [{ address, family: address.includes(':') ? 6 : 4 }])
      expect(isWebhookRefused(err), address).toBe(true)
    }
  })

  it('passes resolution failures on as they are', async () => {
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.test'), { code: 'ENOTFOUND' })
    }
    const err = await new Promise<Error | null>((done) =>
      guardedLookup(deny, failing)('hooks.test', { all: true }, (e: Error | null) => done(e)),
    )
    expect((err as NodeJS.ErrnoException).code).toBe('ENOTFOUND')
    expect(isWebhookRefused(err)).toBe(false)
  })
})
