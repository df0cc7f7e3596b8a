import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HubError } from '../errors.js'
import { loggableError } from '../logger.js'

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
  if (err instanceof HubError) {
    await reply.code(err.statusCode).send({ code: err.code, message: err.message, ...(err.errors === undefined ? {} : { errors: err.errors }) })
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

export async function notFoundHandler (req: FastifyRequest, reply: FastifyReply): Promise<void> {
  await reply.code(404).send({ code: 'HUB_ERR_ROUTE_NOT_FOUND', message: `没有这个接口：${req.method} ${req.url.split('?')[0] ?? ''}` })
}
