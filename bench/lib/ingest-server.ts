/**
 * Child process of bench/ingest.ts: serves `POST /v1/cremations` on loopback, either from the
 * real hub (role `api`: no workers consume) or from a bare Fastify app that answers 201 (the
 * raw baseline). Runs apart from the load generator so neither steals the other's event loop.
 * With `processes` > 1 it is the primary of a node:cluster, like `server.ts --processes N`, and
 * its workers (this same file) run the hub and share the port.
 */
import cluster from 'node:cluster'
import { performance, type EventLoopUtilization } from 'node:perf_hooks'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { resolveConfig } from '../../src/config/load.js'
import { startHub, type Hub } from '../../src/hub.js'
import { createLogger } from '../../src/logger.js'
import { openDb } from '../../src/store/index.js'
import type { Db } from '../../src/store/db.js'
import { freePort } from '../../scripts/free-port.js'
import { serveParent } from './child.js'

interface HubStart { config: unknown, logLevel: string, processes?: number }

let hub: Hub | undefined
let raw: FastifyInstance | undefined
/** In cluster mode: the primary's own look at the database, for `counts`. */
let countsDb: Db | undefined

async function listen (app: FastifyInstance, port = 0): Promise<number> {
  await app.listen({ host: '127.0.0.1', port })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function startOwnHub ({ config: input, logLevel }: HubStart): Promise<Hub> {
  const config = resolveConfig(input, {}, '<bench>')
  // Production logs at `info` to stdout; here the same lines are written, to /dev/null.
  const logger = createLogger(logLevel, pino.destination({ dest: '/dev/null', sync: true }))
  return await startHub(config, { logger, role: 'api' })
}

if (cluster.isWorker) {
  // A worker of the cluster: the hub, on the port the primary chose, until told to stop.
  const start = JSON.parse(process.env.BENCH_HUB_START!) as HubStart & { port: number }
  hub = await startOwnHub(start)
  await listen(hub.app, start.port)
  process.on('message', (m: unknown) => {
    if (m === 'stop') void hub!.close().finally(() => process.exit(0))
  })
} else {
  serveParent({
    async 'start-hub' (payload) {
      const start = payload as HubStart
      if ((start.processes ?? 1) > 1) return await startCluster(start)
      hub = await startOwnHub(start)
      return { port: await listen(hub.app), pid: process.pid, pids: [process.pid] }
    },

    async 'start-raw' () {
      raw = Fastify({ logger: false })
      raw.post('/v1/cremations', async (_req, reply) => await reply.code(201).send({ outcome: 'created' }))
      return { port: await listen(raw), pid: process.pid }
    },

    /** The event loop's utilisation so far (pass the previous answer to get the share since). */
    async elu (payload) {
      return performance.eventLoopUtilization(payload as EventLoopUtilization | undefined)
    },

    /** What the hub stored, to check that every 201 is a committed record. */
    async counts () {
      const db = hub?.db ?? countsDb
      if (db === undefined) return { records: 0, deliveries: 0 }
      const r = await db.query<{ records: number, deliveries: number }>(
        'SELECT (SELECT count(*)::int FROM records) AS records, (SELECT count(*)::int FROM deliveries) AS deliveries')
      return r.rows[0]
    },

    async stop () {
      await raw?.close()
      await hub?.close()
      await stopWorkers()
      await countsDb?.close()
      raw = hub = countsDb = undefined
    }
  })
}

async function startCluster (start: HubStart): Promise<{ port: number, pid: number, pids: number[] }> {
  const config = resolveConfig(start.config, {}, '<bench>')
  countsDb = await openDb(config.database)
  const port = await freePort()
  const workers = Array.from({ length: start.processes! }, () =>
    cluster.fork({ BENCH_HUB_START: JSON.stringify({ ...start, port }) }))
  await Promise.all(workers.map(async w => await new Promise<void>((resolve, reject) => {
    w.once('listening', () => { resolve() })
    w.once('exit', (code) => { reject(new Error(`hub worker exited with ${code}`)) })
  })))
  return { port, pid: process.pid, pids: workers.map(w => w.process.pid!) }
}

async function stopWorkers (): Promise<void> {
  await Promise.all(Object.values(cluster.workers ?? {}).map(async w => {
    if (w === undefined || w.isDead()) return
    const exited = new Promise<void>(resolve => w.once('exit', () => { resolve() }))
    w.send('stop')
    await exited
  }))
}
