import http from 'node:http'
import https from 'node:https'
import axios, { type AxiosResponse, type RawAxiosRequestHeaders } from 'axios'
import type { TargetConfig } from '../config/schema.js'
import { signBody } from '../security/signature.js'
import { safeAckId } from './ack-id.js'
import { boundedExchange } from './bounded-exchange.js'
import type { Deliverer, OutboundMessage, Receipt } from './deliverer.js'
import { DeliveryError } from './delivery-error.js'
import { classifyTransportFailure } from './transport-failure.js'
import { undiciTransport } from './undici-adapter.js'

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
 */
export interface RestDelivererOptions {
  /**
   * `undici` (default): connection pools of undici under axios. `node-http`: Node's http client
   * with keep-alive agents, which nock can intercept (the adapter's unit tests).
   */
  transport?: 'undici' | 'node-http'
}

export function createRestDeliverer (target: TargetConfig, options: RestDelivererOptions = {}): Deliverer {
  const rest = target.rest
  if (rest === undefined) throw new Error(`target ${target.code} 缺少 rest 配置`)

  // Keep-alive connections and no redirect wrapper: axios's defaults would otherwise set the
  // ceiling of deliveries per second (DESIGN §10).
  const connections = target.concurrency * 2
  const undici = options.transport === 'node-http' ? undefined : undiciTransport({ connections, maxResponseBytes: MAX_RESPONSE_BYTES })
  const agents = undici === undefined
    ? { httpAgent: new http.Agent({ keepAlive: true, maxSockets: connections }), httpsAgent: new https.Agent({ keepAlive: true, maxSockets: connections }) }
    : undefined

  const client = axios.create({
    ...(undici !== undefined ? { adapter: undici.adapter } : agents),
    maxRedirects: 0,
    timeout: rest.timeoutMs,
    validateStatus: () => true,
    // We parse the ack ourselves and never keep or log the raw body.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_RESPONSE_BYTES
  })

  const baseHeaders: RawAxiosRequestHeaders = {
    ...rest.headers,
    ...(rest.auth.type === 'bearer' ? { Authorization: `Bearer ${rest.auth.token}` } : {}),
    ...(rest.auth.type === 'basic'
      ? { Authorization: `Basic ${Buffer.from(`${rest.auth.username}:${rest.auth.password}`, 'utf8').toString('base64')}` }
      : {})
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
        throw classifyTransportFailure(err, { aborted: signal.aborted, timedOut: exchange.timedOut(), timeoutMs: rest.timeoutMs })
      } finally {
        exchange.dispose()
      }
      return classifyResponse(response, rest.accept)
    },

    async close (): Promise<void> {
      agents?.httpAgent.destroy()
      agents?.httpsAgent.destroy()
      await undici?.close()
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
  let value: unknown
  try {
    value = accept.field.split('.').reduce<unknown>((o, key) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined),
      typeof data === 'string' ? JSON.parse(data) : data)
  } catch {
    value = undefined
  }
  if (accept.values.some(v => v === value)) return
  // The department's own code says why; it is short and safe to keep, unlike the body.
  const shown = (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') ? safeAckId(String(value)) : undefined
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
