import { safeAckId } from './ack-id.js'

/**
 * Who a SOAP fault says can fix it, and so whether sending the same message again can work:
 * - `client`: the department refuses this message (`Client`/`Sender`);
 * - `server`: the department's own trouble (`Server`/`Receiver`), whatever its detail says;
 * - `security`: the department does not accept the hub's credentials (WS-Security faults,
 *   `Client.Authentication`), e.g. an expired password: ops' to fix, not the message's;
 * - `protocol`: hub and department disagree on SOAP itself (`VersionMismatch`, `MustUnderstand`…);
 * - `unknown`: no standard code.
 */
export type FaultKind = 'client' | 'server' | 'security' | 'protocol' | 'unknown'

/** What the hub may keep of a SOAP fault: codes only, never `faultstring` (it may name the person). */
export interface SoapFaultInfo {
  /**
   * The code that decided `kind` (else `faultcode` (SOAP 1.1) or `Code/Value` (SOAP 1.2)), when
   * it is a short safe token.
   */
  faultCode: string | undefined
  kind: FaultKind
  /** The department's business error code, the contract's `businessCode` in the fault detail, e.g. `E2001`. */
  businessCode: string | undefined
  /** A business code was present, even if it was not safe to keep. */
  hasBusinessCode: boolean
}

/**
 * The detail element of the hub's SOAP contracts that carries a business refusal
 * (config/wsdl/renshe-death-notice.wsdl). Only this one: a generic `errorCode` is as likely a
 * server's own `SYS-503`, and counting it would kill a delivery that a retry would bring through.
 */
const BUSINESS_CODE_ELEMENT = 'businessCode'

/** Codes by kind, local names lower-cased. @see SOAP 1.1 §4.4.1, SOAP 1.2 §5.4.6, WS-Security 1.1 §12 */
const FAULT_KINDS: ReadonlyArray<[FaultKind, ReadonlySet<string>]> = [
  // First: an authentication fault may come as a Client/Sender fault with this subcode.
  ['security', new Set([
    'unsupportedsecuritytoken', 'unsupportedalgorithm', 'invalidsecurity', 'invalidsecuritytoken',
    'failedauthentication', 'failedcheck', 'securitytokenunavailable', 'messageexpired', 'authentication'
  ])],
  ['server', new Set(['server', 'receiver'])],
  ['protocol', new Set(['versionmismatch', 'mustunderstand', 'dataencodingunknown'])],
  ['client', new Set(['client', 'sender'])]
]

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
  const [kind, decidingCode] = kindOf(codes)
  return {
    faultCode: safeAckId(decidingCode ?? codes[0]),
    kind,
    businessCode: safeAckId(rawBusinessCode),
    hasBusinessCode: rawBusinessCode !== undefined
  }
}

/**
 * `soap:Client`, `env:Sender` with subcode `wsse:FailedAuthentication`, `Client.Authentication`…:
 * prefixes ignored, and each dotted part of a code counts (`Client.Authentication` is security).
 */
function kindOf (codes: readonly string[]): [FaultKind, string | undefined] {
  const parts = codes.map(code => [code, code.slice(code.lastIndexOf(':') + 1).toLowerCase().split('.')] as const)
  for (const [kind, names] of FAULT_KINDS) {
    const found = parts.find(([, locals]) => locals.some(local => names.has(local)))
    if (found !== undefined) return [kind, found[0]]
  }
  return ['unknown', undefined]
}

function findBusinessCode (detail: unknown, depth: number): string | undefined {
  if (detail === null || typeof detail !== 'object' || depth > 3) return undefined
  for (const [key, value] of Object.entries(detail)) {
    if (key.slice(key.lastIndexOf(':') + 1) === BUSINESS_CODE_ELEMENT) {
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
