import { safeAckId } from './ack-id.js'

/** Which side a SOAP fault blames: the sender's message, or the receiver's own trouble. */
export type FaultSide = 'client' | 'server'

/** What the hub may keep of a SOAP fault: codes only, never `faultstring` (it may name the person). */
export interface SoapFaultInfo {
  /** `faultcode` (SOAP 1.1) or `Code/Value` (SOAP 1.2), when it is a short safe token. */
  faultCode: string | undefined
  side: FaultSide
  /** The department's business error code from the fault detail, e.g. `E2001`. */
  businessCode: string | undefined
  /** A business code was present, even if it was not safe to keep. */
  hasBusinessCode: boolean
}

/** Detail elements that carry a department's business error code. */
const BUSINESS_CODE_KEYS = new Set(['businesscode', 'errorcode'])

/** Faults that a retry of the same message cannot fix. @see SOAP 1.1 §4.4.1, WS-Security 1.1 §12 */
const CLIENT_FAULTS = new Set([
  'client', 'sender', 'versionmismatch', 'mustunderstand', 'dataencodingunknown',
  'unsupportedsecuritytoken', 'unsupportedalgorithm', 'invalidsecurity', 'invalidsecuritytoken',
  'failedauthentication', 'failedcheck', 'securitytokenunavailable'
])

/**
 * The fault of a failed node-soap call, read from the parsed envelope node-soap attaches as
 * `err.root.Envelope.Body.Fault`; `undefined` when the answer was not a SOAP fault.
 */
export function readSoapFault (err: unknown): SoapFaultInfo | undefined {
  const fault = at(err, 'root', 'Envelope', 'Body', 'Fault')
  if (fault === undefined || fault === null || typeof fault !== 'object') return undefined
  const codes = [textOf(at(fault, 'faultcode')), textOf(at(fault, 'Code', 'Value')), textOf(at(fault, 'Code', 'Subcode', 'Value'))]
    .filter((c): c is string => c !== undefined)
  const rawBusinessCode = findBusinessCode(at(fault, 'detail') ?? at(fault, 'Detail'), 0)
  return {
    faultCode: safeAckId(codes[0]),
    side: codes.some(isClientFaultCode) ? 'client' : 'server',
    businessCode: safeAckId(rawBusinessCode),
    hasBusinessCode: rawBusinessCode !== undefined
  }
}

/** `soap:Client`, `Client.Authentication`, `wsse:FailedAuthentication`… (prefix and dotted subcodes ignored). */
function isClientFaultCode (code: string): boolean {
  const local = code.slice(code.lastIndexOf(':') + 1).split('.')[0]!.toLowerCase()
  return CLIENT_FAULTS.has(local)
}

function findBusinessCode (detail: unknown, depth: number): string | undefined {
  if (detail === null || typeof detail !== 'object' || depth > 3) return undefined
  for (const [key, value] of Object.entries(detail)) {
    const local = key.slice(key.lastIndexOf(':') + 1).toLowerCase()
    if (BUSINESS_CODE_KEYS.has(local)) {
      const code = textOf(value)
      if (code !== undefined) return code
    }
  }
  for (const value of Object.values(detail)) {
    const nested = findBusinessCode(value, depth + 1)
    if (nested !== undefined) return nested
  }
  return undefined
}

/** An element's text as node-soap parses it: a string, a number, or `{ $value }` when it has attributes. */
function textOf (value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim()
  if (typeof value === 'number') return String(value)
  if (value !== null && typeof value === 'object' && '$value' in value) return textOf((value as { $value: unknown }).$value)
  return undefined
}

function at (value: unknown, ...path: string[]): unknown {
  let current = value
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}
