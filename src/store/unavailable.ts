/**
 * Whether an error means the database (or the network to it) is away, rather than that a
 * statement is wrong: the caller should try again later, and a request cut off this way may or
 * may not have been committed. Used at start-up (exit 69) and per request (503 with Retry-After).
 */

/**
 * Network errors, and PostgreSQL's: connection exceptions (class 08), no such database,
 * authentication failed, a read-only transaction (a primary just demoted by a failover, still
 * behind the same address), shutting down (admin, crash), not accepting connections yet, too many
 * connections.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE',
  '08000', '08001', '08003', '08004', '08006', '25006', '3D000', '28P01', '28000', '57P01', '57P02', '57P03', '53300'
])

/**
 * What `pg` throws without a code when a connection ends, a statement gets no answer within
 * `query_timeout`, or no connection can be had within `connectionTimeoutMillis`.
 */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'is not queryable'
]

export function isDatabaseUnavailable (err: unknown): boolean {
  // A driver error may come wrapped (`cause`) by the code that ran the statement.
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown, message?: unknown }
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some(m => message.startsWith(m) || message.endsWith(m))) return true
  }
  return false
}
