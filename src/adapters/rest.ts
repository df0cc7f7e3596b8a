import { Pool } from 'undici'
import type { TargetConfig } from '../config/schema.js'
import { signBody } from '../security/signature.js'
import { safeAckId } from './ack-id.js'
import { boundedExchange } from './bounded-exchange.js'
import type { Deliverer, OutboundMessage, Receipt } from './deliverer.js'
import { DeliveryError } from './delivery-error.js'
import { classifyTransportFailure } from './transport-failure.js'

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

/** Responses are only read for an ack id; a bigger body is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 1_048_576

/**
 * Delivers JSON messages over HTTP POST (DESIGN §7). Sends pre-serialised bytes and signs exactly
 * those bytes; never follows redirects; classifies every outcome into a Receipt or a DeliveryError
 * whose message never contains the response body (it may carry personal data).
 *
 * The bytes go through an undici connection pool, not axios: measured here, axios's own request
 * handling (config merging, header objects) cost more CPU per delivery than everything else the
 * worker does for it but the database, and DESIGN §10 asks that the HTTP client not set the
 * ceiling (undici ≈ 36 µs per request, axios over Node's http ≈ 175 µs, `npm run bench:deliver`).
 */
export function createRestDeliverer (target: TargetConfig): Deliverer {
  const rest = target.rest
  if (rest === undefined) throw new Error(`target ${target.code} 缺少 rest 配置`)
  const url = new URL(rest.url)
  const path = `${url.pathname}${url.search}`
  // Keep-alive connections, reused across deliveries; undici never follows redirects.
  const pool = new Pool(url.origin, { connections: target.concurrency * 2, pipelining: 1 })

  const baseHeaders: Record<string, string> = {
    ...lowerCaseKeys(rest.headers ?? {}),
    ...(rest.auth.type === 'bearer' ? { authorization: `Bearer ${rest.auth.token}` } : {}),
    ...(rest.auth.type === 'basic'
      ? { authorization: `Basic ${Buffer.from(`${rest.auth.username}:${rest.auth.password}`, 'utf8').toString('base64')}` }
      : {})
  }

  return {
    transport: 'rest',

    async deliver (message: OutboundMessage, signal: AbortSignal): Promise<Receipt> {
      const body = Buffer.from(message.json ?? JSON.stringify(message.body), 'utf8')
      const exchange = boundedExchange(signal, rest.timeoutMs)
      let response: HttpAnswer
      try {
        const answer = await pool.request({
          path,
          method: 'POST',
          body,
          signal: exchange.signal,
          headers: {
            ...baseHeaders,
            // Protocol headers come last: a department's extra headers cannot override them.
            'content-type': 'application/json; charset=utf-8',
            'idempotency-key': message.idempotencyKey,
            'x-hub-signature': signBody(body, rest.signingSecret),
            'x-hub-notice-id': message.noticeId,
            'x-hub-version': String(message.version),
            'x-hub-event': message.event,
            'x-hub-delivery-id': message.deliveryId
          }
        })
        response = { status: answer.statusCode, headers: answer.headers, data: await readAtMost(answer.body, MAX_RESPONSE_BYTES) }
      } catch (err) {
        if (err instanceof DeliveryError) throw err
        throw classifyTransportFailure(err, { aborted: signal.aborted, timedOut: exchange.timedOut(), timeoutMs: rest.timeoutMs })
      } finally {
        exchange.dispose()
      }
      return classifyResponse(response, rest.accept)
    },

    async close (): Promise<void> {
      await pool.destroy()
    }
  }
}

/** What the department answered: status, headers (lower-case names) and the body as text. */
interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  data: string
}

/** The answer as text, refusing (and not keeping) one larger than `limit`. */
async function readAtMost (body: AsyncIterable<Buffer> & { destroy: (err?: Error) => unknown }, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > limit) {
      body.destroy()
      // Retried: a department answering with a document instead of an ack may be misconfigured
      // for a while; the retry window bounds it and ops see the class.
      throw new DeliveryError(`部门应答超过 ${limit} 字节，未读取`, true, 'transport')
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function lowerCaseKeys (headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}

type AcceptRule = NonNullable<NonNullable<TargetConfig['rest']>['accept']>

function classifyResponse (response: HttpAnswer, accept: AcceptRule | undefined): Receipt {
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

function ackIdOf (response: HttpAnswer): string | undefined {
  const fromBody = ackIdFromBody(response.data)
  if (fromBody !== undefined) return fromBody
  return safeAckId(headerValue(response, 'x-request-id'))
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
    const accepted = safeAckId(fields[key])
    if (accepted !== undefined) return accepted
  }
  return undefined
}

/** Throws when a 2xx body does not carry the department's "accepted" value at `accept.field`. */
function checkBusinessStatus (data: unknown, accept: AcceptRule, status: number): void {
  let parsed: unknown
  try {
    parsed = typeof data === 'string' ? JSON.parse(data) : data
  } catch {
    // An empty body or a page (a gateway, a maintenance notice) is no answer from the
    // department's application at all: retried, as the SOAP adapter retries a non-SOAP 2xx.
    throw new HttpDeliveryError(`部门接口返回 HTTP ${status}，但应答不是可解析的 JSON，无法确认是否受理`, true, 'http-response', status)
  }
  const value = accept.field.split('.').reduce<unknown>((o, key) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined), parsed)
  if (accept.values.some(v => v === value)) return
  // The department's own code says why; it is short and safe to keep, unlike the body.
  const shown = (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') ? safeAckId(String(value)) : undefined
  throw new HttpDeliveryError(`部门接口返回 HTTP ${status}，但业务状态 ${accept.field}=${shown ?? '（缺失或无效）'} 表示未受理`, false, 'business-rejected', status)
}

function headerValue (response: HttpAnswer, name: string): string | undefined {
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
