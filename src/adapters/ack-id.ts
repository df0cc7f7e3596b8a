import { computeCheckDigit } from '../domain/id-number.js'

/** A department's ack is an id, not a document: anything longer is not kept. */
const MAX_ACK_ID_LENGTH = 64
const ACK_ID_CHARACTERS = /^[A-Za-z0-9._:-]+$/

/**
 * A department's ack id or code as the hub may keep it for good (deliveries, attempts, audit
 * trail, error messages): at most 64 characters of `[A-Za-z0-9._:-]`, and no 公民身份号码
 * anywhere in it. Anything else is dropped (`undefined`), never truncated.
 */
export function safeAckId (value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (typeof text !== 'string') return undefined
  const id = text.trim()
  if (id.length === 0 || id.length > MAX_ACK_ID_LENGTH || !ACK_ID_CHARACTERS.test(id)) return undefined
  return containsIdNumber(id) ? undefined : id
}

/**
 * An 18-character ID number with a valid check digit anywhere in the text (timestamps and
 * snowflake ids, also long digit runs, almost never pass the check digit).
 * @see GB 11643-1999
 */
function containsIdNumber (text: string): boolean {
  for (const m of text.matchAll(/(?=(\d{17}[\dX]))/gi)) {
    const candidate = m[1]!.toUpperCase()
    if (computeCheckDigit(candidate.slice(0, 17)) === candidate[17]) return true
  }
  return false
}
