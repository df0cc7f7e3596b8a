import { DeliveryError } from './delivery-error.js'

/** Socket error codes of a connection that failed or broke: the peer is unreachable for now. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  // undici's names for a connection that closed or never opened
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED'
])

/** Codes of a connection that never opened: nothing of the request can have been sent. */
const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])

/** undici's own timeouts (the exchange's deadline normally ends it first). */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

export interface ExchangeState {
  /** The caller's signal (shutdown) ended the exchange. */
  aborted: boolean
  /** The target's deadline ended the exchange. */
  timedOut: boolean
  timeoutMs: number
}

/**
 * A failure before any answer arrived (no HTTP status): aborted, timed out, network, or another
 * transport error. All are retryable: the retry window and the circuit breaker bound them.
 * The original error is never kept as `cause`: an AxiosError carries the request config, with
 * credentials and the body with personal data, and would end up in logs.
 */
export function classifyTransportFailure (err: unknown, state: ExchangeState): DeliveryError {
  if (state.aborted) return new DeliveryError('请求被中止', true, 'aborted')
  const code = errorCode(err)
  const sentNothing = code !== undefined && NEVER_CONNECTED_CODES.has(code)
  if (state.timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new DeliveryError(`请求超时（${state.timeoutMs} ms）`, true, 'timeout', undefined, { sentNothing })
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new DeliveryError(`网络错误：${code}`, true, 'network', undefined, { sentNothing })
  }
  if (err instanceof Error && /socket hang up/i.test(err.message)) {
    return new DeliveryError('网络错误：socket hang up', true, 'network')
  }
  if (code === 'ERR_CANCELED') return new DeliveryError('请求被中止', true, 'aborted')
  return new DeliveryError(`传输错误：${code ?? (err instanceof Error ? err.name : 'unknown')}`, true, 'transport')
}

/** The socket error code, looking through axios's wrapper whose own code is then generic. */
function errorCode (err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined
  const { code, cause } = err as { code?: unknown, cause?: unknown }
  if (typeof code === 'string' && code !== 'ERR_NETWORK' && code !== 'ERR_CANCELED') return code
  if (cause !== undefined && cause !== err) return errorCode(cause) ?? (typeof code === 'string' ? code : undefined)
  return typeof code === 'string' ? code : undefined
}
