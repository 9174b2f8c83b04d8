/**
 * Who may reach a route of an HTTP port. The bearer token is required of the route fastify routed the
 * request to, never of the raw URL: any letter of a path may be percent-encoded (`/%61pi/v1/…` routes to
 * `/api/v1/…`), so a check on the URL's text is a check on one spelling among many. Every route needs
 * the token unless it was declared public (`config: { public: true }`: health, the UI's files); a
 * request that matches no route needs it too. With --allowed-hosts, the `Host` header is checked first.
 */
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { tokenCheck } from '../auth.js'
import { clip, type SkeinError, skeinError } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without the port's bearer token: health probes, the UI's static files. */
    public?: boolean
  }
}

/** How a port answers a refused request (each port has its own error encoding). */
export type Deny = (req: FastifyRequest, reply: FastifyReply, e: SkeinError) => FastifyReply

/**
 * Requires `token`, when one is set, on every route of `app` that is not public and on requests that
 * match no route. The hook runs after routing, so it sees the route, whatever spelling reached it.
 */
export function requireToken(app: FastifyInstance, token: string | undefined, deny: Deny): void {
  if (!token) return
  const authorized = tokenCheck(token)
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.public === true) return
    if (!authorized(req.headers.authorization)) return deny(req, reply, skeinError('UNAUTHORIZED'))
  })
}

/** Declares every route registered in `scope` (a plugin's encapsulated instance) public. */
export function publicRoutes(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
}

/** The host name of a `Host` header: lower case, without port, brackets or a final dot. */
export function hostName(header: string): string {
  let h = header.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    return end < 0 ? h : h.slice(1, end)
  }
  const colon = h.lastIndexOf(':')
  if (colon >= 0 && /^\d*$/.test(h.slice(colon + 1))) h = h.slice(0, colon)
  return h.endsWith('.') ? h.slice(0, -1) : h
}

/**
 * Whether a `Host` header names this server, given the allowed names (`name` exactly, `.domain` for the
 * domain and its subdomains). IP addresses and localhost always pass: a DNS-rebinding page reaches the
 * server under a name the attacker controls, never under an address or a name the browser itself
 * resolves to loopback. No list: every Host passes.
 */
export function hostCheck(allowed: readonly string[] | undefined): (header: string | undefined) => boolean {
  if (!allowed || allowed.length === 0) return () => true
  const exact = new Set(allowed.filter((h) => !h.startsWith('.')))
  const domains = allowed.filter((h) => h.startsWith('.'))
  return (header) => {
    if (!header) return false
    const name = hostName(header)
    if (name === '') return false
    if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true
    if (exact.has(name)) return true
    return domains.some((d) => name.endsWith(d) || name === d.slice(1))
  }
}

/** With an allowlist, refuses requests whose `Host` is not on it (403), before anything else is done. */
export function allowHosts(app: FastifyInstance, allowed: readonly string[] | undefined, deny: Deny): void {
  if (!allowed || allowed.length === 0) return
  const check = hostCheck(allowed)
  app.addHook('onRequest', async (req, reply) => {
    const host = req.headers.host
    if (!check(host))
      return deny(
        req,
        reply,
        skeinError(
          'HOST_NOT_ALLOWED',
          `Host ${JSON.stringify(clip(host ?? ''))} is not one this server answers to; add it to --allowed-hosts`,
        ),
      )
  })
}
