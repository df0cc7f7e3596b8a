import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import type { HubConfig, TargetConfig } from './config/schema.js'
import type { Dispatcher } from './queues/dispatcher.js'
import type { Redis } from 'ioredis'
import { errorHandler, notFoundHandler } from './routes/errors.js'
import { cremationRoutes } from './routes/cremations.js'
import { deathCertificateRoutes } from './routes/death-certificates.js'
import { feedRoutes } from './routes/feeds.js'
import { healthRoutes } from './routes/health.js'
import { useStrictJsonParser } from './routes/json-body.js'
import './routes/request-outcome.js'
import type { FieldCrypto } from './security/crypto.js'
import type { Db } from './store/db.js'

/** What the routes need, built by `startHub` (or by a test) and closed by its owner. */
export interface HubDeps {
  db: Db
  redis: Redis
  crypto: FieldCrypto
  dispatcher: Dispatcher
  /** Enabled department targets. */
  targets: readonly TargetConfig[]
  logger: Logger
  /** Whether this process's delivery workers are running (for /readyz). */
  workersRunning: () => boolean
  now?: () => Date
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: HubDeps & { config: Readonly<HubConfig> }
  }
}

/** Builds the HTTP API. Never listens: `server.ts` does, and tests use `app.inject`. */
export async function buildApp (config: Readonly<HubConfig>, deps: HubDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    // One access line per request (below) instead of Fastify's two: logging is a measurable
    // share of the CPU a record costs.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL Fastify cannot decode (a broken %-escape) or an over-long parameter is answered
    // before routing: in the hub's shape, without echoing the path (it may carry a number).
    frameworkErrors: (err, req, reply) => {
      req.log.info({ method: req.method, route: '(unroutable)', statusCode: 400, code: err.code }, 'request refused')
      void (reply as FastifyReply).code(400).send({ code: 'HUB_ERR_BAD_URL', message: '请求地址无效（百分号编码有误或参数过长）' })
    }
  })
  app.decorateRequest('outcome', null)
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, not the raw URL: a path may carry a certificate number.
    const line = { ...req.outcome?.facts, method: req.method, route: req.routeOptions.url ?? '(unmatched)', statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }
    req.log.info(line, req.outcome?.message ?? 'request completed')
  })
  app.decorate('hub', { ...deps, config })
  // Every resource speaks JSON; a text/plain body is a client error (415), not a string to validate.
  app.removeContentTypeParser('text/plain')
  useStrictJsonParser(app)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  await app.register(healthRoutes)
  await app.register(cremationRoutes, { prefix: '/v1/cremations' })
  await app.register(feedRoutes, { prefix: '/v1/feeds' })
  await app.register(deathCertificateRoutes, { prefix: '/v1/death-certificates' })
  return app
}
