import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The `X-Hub-Signature` of an outbound body: `sha256=` followed by the lower-case hex
 * HMAC-SHA256 of the exact bytes sent (a string is taken as UTF-8), keyed with the target's
 * signing secret. Departments verify it over the raw body, before parsing JSON.
 */
export function signBody (body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/**
 * True when `header` is the `X-Hub-Signature` of `body` under `secret`. The comparison runs in
 * constant time, so a caller cannot learn the expected signature byte by byte.
 */
export function verifySignature (
  body: string | Uint8Array,
  secret: string,
  header: string | readonly string[] | undefined | null
): boolean {
  if (typeof header !== 'string') return false
  const expected = Buffer.from(signBody(body, secret), 'utf8')
  const given = Buffer.from(header.trim().toLowerCase(), 'utf8')
  // The length of a SHA-256 signature is public, so failing fast on it leaks nothing.
  if (given.length !== expected.length) return false
  return timingSafeEqual(given, expected)
}
