import { pino, type DestinationStream, type Logger } from 'pino'

/**
 * Paths pino blanks out wherever they appear. The hub never logs record bodies on purpose;
 * this is the second line of defence should one slip into a log call (DESIGN §8).
 */
const PERSONAL_OR_SECRET = [
  'idNumber', 'name', 'phone', 'householdAddress', 'birthDate', 'bankAccount', 'account',
  'deceased', 'informant', 'applicant', 'password', 'token', 'signingSecret', 'masterKey'
]

// pino matches each path at one depth: the field itself and one level down. Two levels down
// (`*.*.field`) was measured at +17 µs on every log line, the access line of each request
// included; nothing the hub logs nests personal data that deep.
export const REDACT_PATHS = [
  'req.body', 'body', 'record', 'personal',
  'req.headers.authorization', 'req.headers["x-hub-signature"]',
  ...PERSONAL_OR_SECRET.flatMap(field => [field, `*.${field}`])
]

/**
 * What of an unexpected error may be logged. A database error's message and detail can quote
 * the values of the failing statement (a record's fields), so only its codes are kept.
 */
export function loggableError (err: unknown): Record<string, unknown> {
  const e = (err ?? {}) as { name?: unknown, code?: unknown, message?: unknown, stack?: unknown, severity?: unknown, routine?: unknown, constraint?: unknown }
  if (e.severity !== undefined) return { type: 'DatabaseError', code: e.code, routine: e.routine, constraint: e.constraint }
  return { type: e.name, code: e.code, message: e.message, stack: e.stack }
}

export function createLogger (level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
  return destination === undefined ? pino(options) : pino(options, destination)
}
