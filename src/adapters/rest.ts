import http from 'node:http'
import https from 'node:https'
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from 'axios'
import type { TargetConfig } from '../config/schema.js'
import { computeCheckDigit } from '../domain/id-number.js'
import { signBody } from '../security/signature.js'
import type { Deliverer, OutboundMessage, Receipt } from './deliverer.js'
import { DeliveryError } from './delivery-error.js'

/** A failed HTTP delivery; carries the department's `Retry-After` (429/503) for the worker. */
export class HttpDeliveryError extends DeliveryError {
  constructor (
    message: string,
    retryable: boolean,
    errorClass: string,
    status?: number,
    /** How long the department asked us to wait before the next attempt, in milliseconds. */
    readonly retryAfterMs?: number
  ) {
    super(message, retryable, errorClass, status)
  }
}

/** A department's ack is an id, not a document: anything longer is not kept. */
const MAX_ACK_ID_LENGTH = 64
/** Responses are only read for an ack id; a bigger body is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 1_048_576

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'
])

/**
 * Delivers JSON messages over HTTP POST (DESIGN §7). Sends pre-serialised bytes and signs exactly
 * those bytes; never follows redirects; classifies every outcome into a Receipt or a DeliveryError
 * whose message never contains the response body (it may carry personal data).
 */
export function createRestDeliverer (target: TargetConfig): Deliverer {
  const rest = target.rest
  if (rest === undefined) throw new Error(`target ${target.code} 缺少 rest 配置`)

  // Keep-alive sockets and no redirect wrapper: axios's defaults would otherwise set the ceiling
  // of deliveries per second (DESIGN §10).
  const agentOptions = { keepAlive: true, maxSockets: target.concurrency * 2 }
  const httpAgent = new http.Agent(agentOptions)
  const httpsAgent = new https.Agent(agentOptions)

  const client = axios.create({
    httpAgent,
    httpsAgent,
    maxRedirects: 0,
    timeout: rest.timeoutMs,
    validateStatus: () => true,
    // We parse the ack ourselves and never keep or log the raw body.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_RESPONSE_BYTES,
    ...(rest.auth.type === 'basic'
      ? { auth: { username: rest.auth.username, password: rest.auth.password } }
      : {})
  })

  const baseHeaders: RawAxiosRequestHeaders = {
    ...rest.headers,
    ...(rest.auth.type === 'bearer' ? { Authorization: `Bearer ${rest.auth.token}` } : {})
  }

  return {
    transport: 'rest',

    async deliver (message: OutboundMessage, signal: AbortSignal): Promise<Receipt> {
      const body = Buffer.from(JSON.stringify(message.body), 'utf8')
      const exchange = boundedExchange(signal, rest.timeoutMs)
      let response: AxiosResponse<string>
      try {
        response = await client.post<string>(rest.url, body, {
          signal: exchange.signal,
          headers: {
            ...baseHeaders,
            // Protocol headers come last: a department's extra headers cannot override them.
            'Content-Type': 'application/json; charset=utf-8',
            'Idempotency-Key': message.idempotencyKey,
            'X-Hub-Signature': signBody(body, rest.signingSecret),
            'X-Hub-Notice-Id': message.noticeId,
            'X-Hub-Version': String(message.version),
            'X-Hub-Event': message.event,
            'X-Hub-Delivery-Id': message.deliveryId
          }
        })
      } catch (err) {
        throw classifyFailure(err, signal, exchange.timedOut(), rest.timeoutMs)
      } finally {
        exchange.dispose()
      }
      return classifyResponse(response, rest.accept)
    },

    async close (): Promise<void> {
      httpAgent.destroy()
      httpsAgent.destroy()
    }
  }
}

/**
 * One signal for one request: aborted by the caller's signal or when `timeoutMs` have passed.
 * axios's own `timeout` is reset by socket activity; this deadline bounds the whole exchange.
 * (Listeners are removed afterwards: the caller's signal may be long-lived, e.g. a worker's.)
 */
function boundedExchange (signal: AbortSignal, timeoutMs: number): {
  signal: AbortSignal
  timedOut: () => boolean
  dispose: () => void
} {
  const controller = new AbortController()
  let expired = false
  const onAbort = (): void => { controller.abort() }
  const timer = setTimeout(() => { expired = true; controller.abort() }, timeoutMs)
  if (signal.aborted) controller.abort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    timedOut: () => expired,
    dispose: () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
  }
}

type AcceptRule = NonNullable<NonNullable<TargetConfig['rest']>['accept']>

function classifyResponse (response: AxiosResponse<string>, accept: AcceptRule | undefined): Receipt {
  const { status } = response
  if (status >= 200 && status < 300) {
    if (accept !== undefined) checkBusinessStatus(response.data, accept, status)
    const ackId = ackIdOf(response)
    return ackId === undefined
      ? { status, summary: `HTTP ${status}` }
      : { status, ackId, summary: `HTTP ${status} ackId=${ackId}` }
  }
  const retryAfterMs = status === 429 || status === 503
    ? parseRetryAfter(headerValue(response, 'retry-after'))
    : undefined
  if (status === 408 || status === 429) {
    throw new HttpDeliveryError(`部门接口返回 HTTP ${status}`, true, `http-${status}`, status, retryAfterMs)
  }
  if (status >= 500) {
    throw new HttpDeliveryError(`部门接口返回 HTTP ${status}`, true, 'http-5xx', status, retryAfterMs)
  }
  if (status >= 300 && status < 400) {
    throw new HttpDeliveryError(`部门接口返回 HTTP ${status}（重定向不跟随）`, false, 'http-3xx', status)
  }
  if (status >= 400) {
    throw new HttpDeliveryError(`部门接口返回 HTTP ${status}`, false, 'http-4xx', status)
  }
  // 1xx as a final status is a broken server; it may answer properly next time.
  throw new HttpDeliveryError(`部门接口返回异常状态 HTTP ${status}`, true, 'http-other', status)
}

function ackIdOf (response: AxiosResponse<string>): string | undefined {
  const fromBody = ackIdFromBody(response.data)
  if (fromBody !== undefined) return fromBody
  return acceptableId(headerValue(response, 'x-request-id'))
}

function ackIdFromBody (data: unknown): string | undefined {
  if (typeof data !== 'string' || data.length === 0) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
  const fields = parsed as Record<string, unknown>
  for (const key of ['ackId', 'id', 'receiptId']) {
    const value = fields[key]
    const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
    const accepted = acceptableId(id)
    if (accepted !== undefined) return accepted
  }
  return undefined
}

/**
 * A receipt id is kept for good (deliveries, attempts, the audit trail), so it must not be
 * personal data: long values and anything with an ID-number-like run of digits are dropped.
 */
function acceptableId (value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const id = value.trim()
  return id.length > 0 && id.length <= MAX_ACK_ID_LENGTH && !containsIdNumber(id) ? id : undefined
}

/** An 18-character 公民身份号码 with a valid check digit anywhere in the text (timestamps and
 * snowflake ids, also long digit runs, almost never pass the check digit). */
function containsIdNumber (text: string): boolean {
  for (const m of text.matchAll(/(?=(\d{17}[\dX]))/gi)) {
    const candidate = m[1]!.toUpperCase()
    if (computeCheckDigit(candidate.slice(0, 17)) === candidate[17]) return true
  }
  return false
}

/** Throws when a 2xx body does not carry the department's "accepted" value at `accept.field`. */
function checkBusinessStatus (data: unknown, accept: AcceptRule, status: number): void {
  let value: unknown
  try {
    value = accept.field.split('.').reduce<unknown>((o, key) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined),
      typeof data === 'string' ? JSON.parse(data) : data)
  } catch {
    value = undefined
  }
  if (accept.values.some(v => v === value)) return
  // The department's own code says why; it is short and safe to keep, unlike the body.
  const shown = (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') ? acceptableId(String(value)) : undefined
  throw new HttpDeliveryError(`部门接口返回 HTTP ${status}，但业务状态 ${accept.field}=${shown ?? '（缺失或无效）'} 表示未受理`, false, 'business-rejected', status)
}

function headerValue (response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name]
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined
  return typeof value === 'string' ? value : undefined
}

/**
 * `Retry-After` as delta-seconds or an HTTP-date, in milliseconds from now.
 * @see RFC 9110 §10.2.3
 */
export function parseRetryAfter (value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/**
 * Turns a thrown axios (or socket) error into a DeliveryError. The original error is not kept
 * as `cause`: an AxiosError carries the request config — the Authorization header and the
 * body with personal data — and would end up in logs.
 */
function classifyFailure (
  err: unknown,
  signal: AbortSignal,
  timedOut: boolean,
  timeoutMs: number
): DeliveryError {
  if (signal.aborted) return new DeliveryError('请求被中止', true, 'aborted')
  const code = errorCode(err)
  if (timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new DeliveryError(`请求超时（${timeoutMs} ms）`, true, 'timeout')
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new DeliveryError(`网络错误：${code}`, true, 'network')
  }
  if (err instanceof Error && /socket hang up/i.test(err.message)) {
    return new DeliveryError('网络错误：socket hang up', true, 'network')
  }
  if (axios.isCancel(err)) return new DeliveryError('请求被中止', true, 'aborted')
  // Unknown transport failures (TLS, a response over the size limit…) are retried: the retry
  // window and the circuit breaker bound them, and a dead letter stays one replay away.
  return new DeliveryError(`传输错误：${code ?? (err instanceof Error ? err.name : 'unknown')}`, true, 'transport')
}

function errorCode (err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined
  const { code, cause } = err as { code?: unknown, cause?: unknown }
  if (typeof code === 'string' && code !== 'ERR_NETWORK' && code !== 'ERR_CANCELED') return code
  // axios sometimes wraps the socket error; its own code is then generic.
  if (cause !== undefined && cause !== err) return errorCode(cause) ?? (typeof code === 'string' ? code : undefined)
  return typeof code === 'string' ? code : undefined
}
