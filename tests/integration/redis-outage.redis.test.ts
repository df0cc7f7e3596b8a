import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { createDispatcher, MAX_WAITING_ENQUEUES, RedisAwayError } from '../../src/queues/dispatcher.js'
import { freePort } from '../../scripts/free-port.js'
import { startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { makeCremation, validCremation } from '../fixtures/cremation.js'
import { SIGNING_SECRET, startTestHub, type TestHub } from '../helpers/test-hub.js'

describe('while Redis is unreachable', () => {
  let th: TestHub | undefined
  let sim: RestDepartmentSim | undefined
  afterEach(async () => {
    await th?.close()
    await sim?.close()
    th = undefined
  })

  it('still stores records and answers at once, and says it is not ready', async () => {
    sim = await startRestDepartment({ name: 'gongan', signingSecret: SIGNING_SECRET })
    th = await startTestHub({ engine: 'pglite', departments: { gongan: sim }, redisUrl: `redis://127.0.0.1:${await freePort()}` })

    const started = Date.now()
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: validCremation })
    expect(res.statusCode).toBe(201)
    expect(Date.now() - started).toBeLessThan(3_000)
    const owed = await th.testDb.db.query<{ status: string }>('SELECT status FROM deliveries')
    expect(owed.rows).toEqual([{ status: 'queued' }])

    const ready = await th.hub.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json().checks).toMatchObject({ database: 'ok', redis: 'down' })

    // Shutting down must not hang on the missing Redis either.
    const closing = Date.now()
    await th.hub.close(200)
    expect(Date.now() - closing).toBeLessThan(10_000)
  })

  it('keeps only a bounded number of enqueues waiting in memory, and refuses the rest at once', async () => {
    const redis = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: null, retryStrategy: () => 50 })
    redis.on('error', () => {})
    const dispatcher = createDispatcher(redis, 'test-away', ['gongan'], () => {})
    try {
      const outcomes: unknown[] = []
      for (let i = 0; i < MAX_WAITING_ENQUEUES + 20; i++) {
        // One batch per turn of the event loop, as requests arriving one after another.
        outcomes.push(await Promise.race([
          dispatcher.enqueue([{ id: `dlv_${i}`, target: 'gongan' }], 1_000).then(() => 'enqueued', (err: unknown) => err),
          new Promise(resolve => setTimeout(() => resolve('waiting'), 5))
        ]))
      }
      expect(outcomes.slice(0, MAX_WAITING_ENQUEUES).every(o => o === 'waiting')).toBe(true)
      const refused = outcomes.slice(MAX_WAITING_ENQUEUES)
      expect(refused).toHaveLength(20)
      for (const r of refused) {
        expect(r).toBeInstanceOf(RedisAwayError)
        expect((r as Error).message).toContain('Redis 不可用')
      }
      // The reconciler's look-up fails at once too, rather than hanging its pass till Redis is back.
      await expect(dispatcher.missing([{ id: 'dlv_x', target: 'gongan' }])).rejects.toBeInstanceOf(RedisAwayError)
    } finally {
      redis.disconnect()
      await dispatcher.close()
    }
  })

  it('says that Redis is away once per interval, not once per request, and without a stack trace', async () => {
    sim = await startRestDepartment({ name: 'gongan', signingSecret: SIGNING_SECRET })
    th = await startTestHub({ engine: 'pglite', departments: { gongan: sim }, redisUrl: `redis://127.0.0.1:${await freePort()}` })
    for (let i = 0; i < 40; i++) {
      const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: makeCremation(i) })
      expect(res.statusCode).toBe(201)
    }
    // Past the enqueue timeout of the first requests, and several reconnection attempts.
    await new Promise(resolve => setTimeout(resolve, 3_000))

    const troubles = th.logs.filter(l => (l.level as number) >= 40)
    expect(troubles.length).toBeGreaterThan(0)
    const perMessage = new Map<string, number>()
    for (const l of troubles) perMessage.set(l.msg as string, (perMessage.get(l.msg as string) ?? 0) + 1)
    for (const [msg, lines] of perMessage) expect(lines, msg).toBeLessThanOrEqual(2)
    expect(th.logText()).not.toContain('    at ')
    await th.hub.close(200)
  })
})
