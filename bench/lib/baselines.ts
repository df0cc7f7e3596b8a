import http from 'node:http'
import { performance } from 'node:perf_hooks'
import axios from 'axios'
import { Queue, Worker } from 'bullmq'
import { Pool } from 'undici'
import type { Redis } from 'ioredis'
import { makeCremation } from '../../tests/fixtures/cremation.js'

export interface RateResult {
  count: number
  seconds: number
  rate: number
}

/**
 * Raw BullMQ: the same number of jobs over the same number of queues, taken by workers of the
 * same concurrency whose processor does nothing. Jobs carry an id like the hub's and use the
 * hub's job options (removeOnComplete). Adding them is not timed; consuming them is.
 */
export async function rawBullmq (o: { redis: Redis, prefix: string, queues: number, jobsPerQueue: number, concurrency: number }): Promise<RateResult> {
  const names = Array.from({ length: o.queues }, (_, q) => `raw.${q}`)
  const queues = names.map(name => new Queue(name, { connection: o.redis, prefix: o.prefix }))
  for (const queue of queues) {
    for (let i = 0; i < o.jobsPerQueue; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, o.jobsPerQueue - i) }, (_, j) => ({
        name: 'deliver',
        data: { deliveryId: `raw-${i + j}` },
        opts: { jobId: `raw-${i + j}`, removeOnComplete: true, removeOnFail: { count: 1000 }, attempts: 5 }
      })))
    }
  }
  const total = o.queues * o.jobsPerQueue
  let done = 0
  const connections: Redis[] = []
  let resolveAll!: () => void
  const all = new Promise<void>(resolve => { resolveAll = resolve })
  const started = performance.now()
  const workers = names.map(name => {
    const connection = o.redis.duplicate({ maxRetriesPerRequest: null })
    connections.push(connection)
    const w = new Worker(name, async () => {}, { connection, prefix: o.prefix, concurrency: o.concurrency })
    w.on('completed', () => { if (++done === total) resolveAll() })
    return w
  })
  await all
  const seconds = (performance.now() - started) / 1000
  await Promise.all(workers.map(async w => await w.close()))
  await Promise.all(queues.map(async q => await q.close()))
  await Promise.all(connections.map(async c => await c.quit().catch(() => c.disconnect())))
  return { count: total, seconds, rate: total / seconds }
}

/**
 * Raw axios: `perTarget` JSON POSTs to each sink with `concurrency` in flight per sink, through
 * an axios instance configured like the REST adapter's (keep-alive agent, no redirects, text).
 */
export async function rawAxios (o: { urls: string[], perTarget: number, concurrency: number }): Promise<RateResult> {
  const body = Buffer.from(JSON.stringify(makeCremation(1)))
  const agents: http.Agent[] = []
  const started = performance.now()
  await Promise.all(o.urls.map(async (url) => {
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency * 2 })
    agents.push(httpAgent)
    const client = axios.create({
      httpAgent, maxRedirects: 0, validateStatus: () => true, responseType: 'text', transformResponse: [(d: unknown) => d]
    })
    let next = 0
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (next < o.perTarget) {
        const i = next++
        const r = await client.post(url, body, { headers: { 'Content-Type': 'application/json; charset=utf-8', 'Idempotency-Key': `raw-${i}` } })
        if (r.status !== 200) throw new Error(`sink answered ${r.status}`)
      }
    }))
  }))
  const seconds = (performance.now() - started) / 1000
  for (const a of agents) a.destroy()
  const count = o.urls.length * o.perTarget
  return { count, seconds, rate: count / seconds }
}

/**
 * Raw undici: the same POSTs through one undici Pool per sink (`concurrency` connections each),
 * to show what the HTTP client costs when axios's is out of the way (DESIGN §10).
 */
export async function rawUndici (o: { urls: string[], perTarget: number, concurrency: number }): Promise<RateResult> {
  const body = Buffer.from(JSON.stringify(makeCremation(1)))
  const pools: Pool[] = []
  const started = performance.now()
  await Promise.all(o.urls.map(async (url) => {
    const target = new URL(url)
    const pool = new Pool(target.origin, { connections: o.concurrency })
    pools.push(pool)
    let next = 0
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (next < o.perTarget) {
        const i = next++
        const r = await pool.request({ method: 'POST', path: target.pathname, body, headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': `raw-${i}` } })
        await r.body.text()
        if (r.statusCode !== 200) throw new Error(`sink answered ${r.statusCode}`)
      }
    }))
  }))
  const seconds = (performance.now() - started) / 1000
  await Promise.all(pools.map(async p => await p.close()))
  const count = o.urls.length * o.perTarget
  return { count, seconds, rate: count / seconds }
}
