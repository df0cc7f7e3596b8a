import type { FastifyInstance } from 'fastify'

/** `/healthz`: the process answers. `/readyz`: it can do its job (database, Redis, workers). */
export async function healthRoutes (app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_req, reply) => {
    const { db, redis, workersRunning } = app.hub
    const [database, queue] = await Promise.all([
      db.query('SELECT 1').then(() => 'ok', () => 'down'),
      redis.ping().then(() => 'ok', () => 'down')
    ])
    const workers = workersRunning() ? 'ok' : 'stopped'
    const ready = database === 'ok' && queue === 'ok' && workers === 'ok'
    await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: { database, redis: queue, workers } })
  })
}
