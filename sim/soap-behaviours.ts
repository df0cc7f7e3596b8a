/**
 * How a simulated SOAP department answers, and what it records of each message. A behaviour
 * sees the received message and `n`, the 1-based count of requests that carried the same
 * idempotency key (so "fail the first attempt of every delivery" is per delivery, not global).
 */

/** The hub's `HubHeader` SOAP header as received. */
export interface SoapHubHeader {
  noticeId?: string
  version?: number
  event?: string
  idempotencyKey?: string
  deliveryId?: string
}

export interface SoapReceivedMessage {
  /** 1-based order of arrival since start or the last `reset()`. */
  seq: number
  at: Date
  header: SoapHubHeader
  /** The operation's body, fields as the WSDL types them (`version` a number, dates `YYYY-MM-DD`). */
  body: Record<string, unknown>
  idempotencyKey: string | undefined
  /** UsernameToken user name, as sent. */
  username: string | undefined
  /** `PasswordText` or `PasswordDigest`, as sent. */
  passwordType: string | undefined
  /** The UsernameToken matched; `undefined` when the sim checks none. */
  authenticated: boolean | undefined
  /** The idempotency key had already been accepted before this request. */
  duplicate: boolean
  /** Requests with this idempotency key so far, this one included. */
  n: number
  /** `undefined` while pending (a slow behaviour). */
  outcome?: 'accepted' | 'refused' | 'business-fault' | 'server-fault' | 'auth-fault'
  ackId?: string
  respondedAt?: Date
  /** The client had closed the connection before the (delayed) answer was ready. */
  clientGone?: boolean
}

export type SoapSimResponse =
  | { type: 'ok', delayMs?: number }
  /** Answered normally, but with a `resultCode` other than '0000'. */
  | { type: 'refuse', resultCode: string, delayMs?: number }
  /** A soap:Client fault with `<detail><businessCode>` */
  | { type: 'business-fault', code: string, delayMs?: number }
  | { type: 'server-fault', delayMs?: number }

/** How the department answers; `n` counts requests with the same idempotency key (1-based). */
export type SoapBehaviour = (msg: SoapReceivedMessage, n: number) => SoapSimResponse

export const soapOk = (): SoapBehaviour => () => ({ type: 'ok' })
export const soapBusinessFault = (code: string): SoapBehaviour => () => ({ type: 'business-fault', code })
export const soapServerFault = (): SoapBehaviour => () => ({ type: 'server-fault' })
export const soapRefuse = (resultCode: string): SoapBehaviour => () => ({ type: 'refuse', resultCode })
/** Every request is answered (accepted) after `delayMs`. */
export const soapSlow = (delayMs: number): SoapBehaviour => () => ({ type: 'ok', delayMs })
/** Per idempotency key: the first `n` requests get a server fault, later ones are accepted. */
export const soapFailFirst = (n: number): SoapBehaviour => (_msg, count) => count <= n ? { type: 'server-fault' } : { type: 'ok' }
