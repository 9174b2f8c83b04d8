import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorBody, type SkeinError } from '../../src/errors.js'
import { allowHosts, hostCheck, hostName, publicRoutes, requireToken } from '../../src/http/guard.js'

describe('requireToken', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    // A real fastify instance shaped like the query port: protected routes, a public route, a public scope.
    app = Fastify()
    const deny = (_req: unknown, reply: FastifyReply, e: SkeinError) =>
      reply.code(e.status).send(errorBody(e))
    requireToken(app, 'tok', deny)
    app.get('/api/v1/things/:id', async () => ({ secret: true }))
    app.delete('/api/v1/things/:id', async () => ({ deleted: true }))
    app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }))
    await app.register(async (ui) => {
      publicRoutes(ui)
      ui.get('/', async () => 'index')
      ui.get('/assets/app.js', async () => 'js')
    })
    await app.ready()
  })
  afterAll(() => app.close())

  const spellings = [
    '/api/v1/things/1',
    '/%61pi/v1/things/1',
    '/api/%76%31/things/1',
    '/%61%70%69/v1/%74hings/1',
  ]

  it.each(spellings)('asks for the token on every spelling of a protected route: GET %s', async (url) => {
    const r = await app.inject({ method: 'GET', url })
    expect(r.statusCode).toBe(401)
    expect(r.json().error.code).toBe('SKEIN_ERR_UNAUTHORIZED')
    const ok = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer tok' } })
    expect(ok.json()).toEqual({ secret: true })
  })

  it.each(spellings)('asks for it on every method too: DELETE and HEAD %s', async (url) => {
    expect((await app.inject({ method: 'DELETE', url })).statusCode).toBe(401)
    expect((await app.inject({ method: 'HEAD', url })).statusCode).toBe(401)
  })

  it('asks for it on requests that match no route', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/nothing' })).statusCode).toBe(401)
    expect((await app.inject({ method: 'POST', url: '/health' })).statusCode).toBe(401)
  })

  it('answers public routes, and every route of a public scope, without it', async () => {
    for (const url of ['/health', '/%68ealth', '/', '/assets/app.js', '/%61ssets/app.js'])
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200)
  })

  it('adds no hook at all when no token is set', async () => {
    const open = Fastify()
    requireToken(open, undefined, () => {
      throw new Error('no request should be denied')
    })
    open.get('/api/x', async () => 'x')
    expect((await open.inject({ method: 'GET', url: '/api/x' })).statusCode).toBe(200)
    await open.close()
  })
})

describe('hostName', () => {
  it.each([
    ['skein.example.com', 'skein.example.com'],
    ['Skein.Example.COM:8080', 'skein.example.com'],
    ['skein.example.com.', 'skein.example.com'],
    ['skein.example.com.:80', 'skein.example.com'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['[::1]:8080', '::1'],
    ['[::1]', '::1'],
  ])('reads %s as %s', (header, name) => {
    expect(hostName(header)).toBe(name)
  })
})

describe('hostCheck', () => {
  const check = hostCheck(['skein.example.com', '.corp.example'])

  it.each([
    'skein.example.com',
    'skein.example.com:8080',
    'corp.example',
    'a.b.corp.example:443',
    '127.0.0.1:8080',
    '[::1]:8080',
    '[2001:db8::1]',
    'localhost:8080',
    'app.localhost',
  ])('lets %s through', (host) => {
    expect(check(host)).toBe(true)
  })

  it.each([
    'evil.example.net',
    'skein.example.com.evil.example.net',
    'xcorp.example',
    'corp.example.evil.example.net',
    'localhost.evil.example.net',
    '127.0.0.1.nip.io',
    '',
    undefined,
  ])('refuses %j', (host) => {
    expect(check(host)).toBe(false)
  })

  it('lets every Host through when no list is given', () => {
    expect(hostCheck(undefined)('evil.example.net')).toBe(true)
    expect(hostCheck([])('evil.example.net')).toBe(true)
  })
})

describe('allowHosts', () => {
  it('refuses other hosts with a coded 403 before the route runs', async () => {
    const app = Fastify()
    let ran = false
    allowHosts(app, ['skein.example.com'], (_req, reply, e) => reply.code(e.status).send(errorBody(e)))
    app.get('/health', { config: { public: true } }, async () => {
      ran = true
      return { status: 'ok' }
    })
    const r = await app.inject({ method: 'GET', url: '/health', headers: { host: 'evil.example.net' } })
    expect(r.statusCode).toBe(403)
    expect(r.json().error.code).toBe('SKEIN_ERR_HOST_NOT_ALLOWED')
    expect(ran).toBe(false)
    const ok = await app.inject({ method: 'GET', url: '/health', headers: { host: 'skein.example.com' } })
    expect(ok.statusCode).toBe(200)
    await app.close()
  })
})
