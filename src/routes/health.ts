import type { FastifyInstance } from 'fastify'

/**
 * A check unanswered this long counts as down: a database that went silent would otherwise hold
 * the probe for the whole statement timeout (minutes), and the load balancer would keep sending
 * requests to a hub that cannot store them.
 */
const CHECK_TIMEOUT_MS = 2_000

async function check (work: Promise<unknown>): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'down'>(resolve => { timer = setTimeout(() => { resolve('down') }, CHECK_TIMEOUT_MS) })
  try {
    return await Promise.race([work.then(() => 'ok' as const, () => 'down' as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** `/healthz`: the process answers. `/readyz`: it can do its job (database, Redis, workers). */
export async function healthRoutes (app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_req, reply) => {
    const { db, redis, workersRunning } = app.hub
    const [database, queue] = await Promise.all([check(db.query('SELECT 1')), check(redis.ping())])
    const workers = workersRunning() ? 'ok' : 'stopped'
    const ready = database === 'ok' && queue === 'ok' && workers === 'ok'
    await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: { database, redis: queue, workers } })
  })
}
