/**
 * How a simulated department answers. A behaviour sees the received message and `n`, the
 * 1-based count of requests that carried the same idempotency key (so "fail the first two
 * attempts of every delivery" is per delivery, not global). Requests without an
 * `Idempotency-Key` header always get `n = 1`.
 */

/** One message as the simulated department received it. */
export interface ReceivedMessage {
  /** 1-based order of arrival since start or the last `reset()`. */
  seq: number
  at: Date
  method: string
  path: string
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>
  /** The parsed JSON body; `undefined` when the body was not valid JSON (answered 400). */
  body: unknown
  raw: string
  idempotencyKey: string | undefined
  /** `X-Hub-Signature` checked against the sim's secret; `undefined` when no secret is set. */
  signatureValid: boolean | undefined
  /** The idempotency key had already been accepted (answered 2xx) before this request. */
  duplicate: boolean
  /** Requests with this idempotency key so far, this one included. */
  n: number
  /** The status sent (or meant to be sent, see `clientGone`); `undefined` while pending. */
  status?: number
  respondedAt?: Date
  /** The client had closed the connection before the (delayed) answer was ready. */
  clientGone?: boolean
}

export interface SimResponse {
  status: number
  /** Defaults: 2xx → `{ ackId }`, others → `{ error }`. */
  body?: unknown
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number
  headers?: Record<string, string>
}

export type Behaviour = (req: ReceivedMessage, n: number) => SimResponse

/** 200 with the default `{ ackId }` body. */
export function alwaysOk (): Behaviour {
  return () => ({ status: 200 })
}

/** The same status for every request, e.g. `alwaysStatus(503)` or `alwaysStatus(400)`. */
export function alwaysStatus (status: number): Behaviour {
  return () => ({ status })
}

/** Per idempotency key: the first `n` requests get `status`, later ones 200. */
export function failFirst (n: number, status = 500): Behaviour {
  return (_req, count) => count <= n ? { status } : { status: 200 }
}

/** Per idempotency key: the first `n` requests are answered 200 after `ms` (to trip client timeouts). */
export function delayFirst (n: number, ms: number): Behaviour {
  return (_req, count) => count <= n ? { status: 200, delayMs: ms } : { status: 200 }
}

export type SequenceStep = number | SimResponse | Behaviour

/**
 * Per idempotency key: request `n` gets step `n`; the last step repeats.
 * A step is a status, a full response or a behaviour.
 * @example sequence([503, 429, { status: 200, body: { ackId: 'x' } }])
 */
export function sequence (steps: readonly SequenceStep[]): Behaviour {
  if (steps.length === 0) throw new Error('sequence() needs at least one step')
  return (req, n) => {
    const step = steps[Math.min(n, steps.length) - 1] as SequenceStep
    if (typeof step === 'number') return { status: step }
    if (typeof step === 'function') return step(req, n)
    return step
  }
}
