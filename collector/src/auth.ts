/**
 * The one bearer-token check of every port, in constant time (digests of equal length), the token itself
 * never logged. Each server asks it from one hook: `requireToken` (http/guard.ts) on the HTTP ports,
 * `requireGrpcToken` (receivers/grpc.ts) on the gRPC port.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export type TokenCheck = (authorizationHeader: string | undefined) => boolean

export function tokenCheck(token: string | undefined): TokenCheck {
  if (!token) return () => true
  const expected = createHash('sha256').update(token).digest()
  return (header) => {
    if (typeof header !== 'string') return false
    const m = /^Bearer\s+(.+)$/i.exec(header.trim())
    if (!m) return false
    const got = createHash('sha256').update(m[1]).digest()
    return timingSafeEqual(got, expected)
  }
}
