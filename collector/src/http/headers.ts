/**
 * Security headers of the query port, the one a browser opens: the UI and the API it reads. Sent on every
 * answer, errors included, as helmet does for Express and Fastify apps.
 */
import type { FastifyInstance } from 'fastify'

/**
 * The UI's Content-Security-Policy: what Vite's build needs and nothing more. Scripts and styles are the
 * build's own files (no inline script or style, no eval): ECharts styles its tooltips through the CSSOM,
 * which the policy allows, and the tooltips' HTML carries classes only (ui/src/lib/escape.ts). The API is
 * same-origin; the favicon is a data: URL. Nothing may frame the UI, and neither forms nor <base> can send
 * the page elsewhere. test/ui/ui.test.ts runs the built UI under it in Chromium.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // JSON with telemetry in it must never be read as HTML or script.
  'x-content-type-options': 'nosniff',
  // Against clickjacking, for browsers older than frame-ancestors.
  'x-frame-options': 'DENY',
  // UI URLs carry trace ids and searches: do not hand them to the sites the UI links to.
  'referrer-policy': 'no-referrer',
  'content-security-policy': UI_CSP,
  // Other sites may not load the API's answers as resources, nor keep a handle on the UI's window.
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
}

/** Sets the security headers on every answer of `app` that goes through fastify's request cycle. */
export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS)
  })
}
