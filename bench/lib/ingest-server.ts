/**
 * Child process of bench/ingest.ts: serves `POST /v1/cremations` on loopback, either from the
 * real hub (role `api`: no workers consume) or from a bare Fastify app that answers 201 (the
 * raw baseline). Runs apart from the load generator so neither steals the other's event loop.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { resolveConfig } from '../../src/config/load.js'
import { startHub, type Hub } from '../../src/hub.js'
import { createLogger } from '../../src/logger.js'
import { serveParent } from './child.js'

let hub: Hub | undefined
let raw: FastifyInstance | undefined

async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

serveParent({
  async 'start-hub' (payload) {
    const { config: input, logLevel } = payload as { config: unknown, logLevel: string }
    const config = resolveConfig(input, {}, '<bench>')
    // Production logs at `info` to stdout; here the same lines are written, to /dev/null.
    const logger = createLogger(logLevel, pino.destination({ dest: '/dev/null', sync: true }))
    hub = await startHub(config, { logger, role: 'api' })
    return { port: await listen(hub.app), pid: process.pid }
  },

  async 'start-raw' () {
    raw = Fastify({ logger: false })
    raw.post('/v1/cremations', async (_req, reply) => await reply.code(201).send({ outcome: 'created' }))
    return { port: await listen(raw), pid: process.pid }
  },

  /** What the hub stored, to check that every 201 is a committed record. */
  async counts () {
    if (hub === undefined) return { records: 0, deliveries: 0 }
    const r = await hub.db.query<{ records: number, deliveries: number }>(
      'SELECT (SELECT count(*)::int FROM records) AS records, (SELECT count(*)::int FROM deliveries) AS deliveries')
    return r.rows[0]
  },

  async stop () {
    await raw?.close()
    await hub?.close()
    raw = hub = undefined
  }
})
