import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HubError, serviceUnavailable } from '../errors.js'
import { connectionError, throttledLog, type ThrottledLog } from '../log-throttle.js'
import { loggableError } from '../logger.js'
import { isDatabaseUnavailable } from '../store/unavailable.js'

/**
 * Seconds a client is asked to wait before posting again after a 503: long enough for a
 * database restart or failover to finish, short enough that notices are not held up.
 */
export const RETRY_AFTER_SECONDS = 5

/** Fastify's own request errors, answered in the hub's shape with stable codes. */
const FASTIFY_CODES: Record<string, { code: string, message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'HUB_ERR_MEDIA_TYPE', message: '请求体必须是 application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'HUB_ERR_BAD_JSON', message: '请求体为空' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'HUB_ERR_BAD_JSON', message: '请求体不是合法的 JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'HUB_ERR_BODY_TOO_LARGE', message: '请求体过大' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'HUB_ERR_BAD_REQUEST', message: 'Content-Length 与请求体不符' }
}

/** One place that turns errors into answers; 5xx details stay in the log, never in the reply. */
export async function errorHandler (err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const hubError = err instanceof HubError ? err : isDatabaseUnavailable(err) ? databaseAway(req, err) : undefined
  if (hubError !== undefined) {
    if (hubError.statusCode === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS))
    await reply.code(hubError.statusCode).send({ code: hubError.code, message: hubError.message, ...(hubError.errors === undefined ? {} : { errors: hubError.errors }) })
    return
  }
  const known = FASTIFY_CODES[err.code]
  if (known !== undefined || (err.statusCode !== undefined && err.statusCode < 500 && err instanceof SyntaxError)) {
    const k = known ?? { code: 'HUB_ERR_BAD_JSON', message: '请求体不是合法的 JSON' }
    await reply.code(err.statusCode ?? 400).send({ code: k.code, message: k.message })
    return
  }
  if (err.statusCode !== undefined && err.statusCode < 500) {
    await reply.code(err.statusCode).send({ code: 'HUB_ERR_BAD_REQUEST', message: '请求无效' })
    return
  }
  req.log.error({ err: loggableError(err) }, 'request failed')
  await reply.code(500).send({ code: 'HUB_ERR_INTERNAL', message: '服务器内部错误，请稍后重试' })
}

/**
 * The database is away (stopped, failing over, silent): a 503 tells the client to post again,
 * which is safe. Not a 500: the request may even have been committed before its answer was
 * lost, and nothing is wrong with the hub. Said once per interval, not once per request.
 */
function databaseAway (req: FastifyRequest, err: unknown): HubError {
  // Keyed by the hub's deps, shared by every route plugin (`req.server` is each plugin's own).
  let log = unavailableLogs.get(req.server.hub)
  if (log === undefined) {
    log = throttledLog(req.server.hub.logger, 'warn', 'database unavailable; answering 503 HUB_ERR_UNAVAILABLE')
    unavailableLogs.set(req.server.hub, log)
  }
  log({ err: connectionError(err) })
  return serviceUnavailable()
}

/** One throttled complaint per app: during an outage every request fails alike. */
const unavailableLogs = new WeakMap<object, ThrottledLog>()

export async function notFoundHandler (req: FastifyRequest, reply: FastifyReply): Promise<void> {
  await reply.code(404).send({ code: 'HUB_ERR_ROUTE_NOT_FOUND', message: `没有这个接口：${req.method} ${req.url.split('?')[0] ?? ''}` })
}
