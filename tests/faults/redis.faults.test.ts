import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAllDelivered, printFigures } from './harness/departments.js'
import { sleep } from './harness/hub-process.js'
import { startPoster } from './harness/poster.js'
import { startRedisServer, type RedisServer } from './harness/redis-server.js'
import { startScenario, type Scenario } from './harness/scenario.js'

/**
 * Redis loses every job while a funeral home keeps posting: FLUSHALL, then a restart without
 * persistence (down for a few seconds, back empty). The database is the record of truth: the
 * reconciler (every 5 s here, 30 s in the sample config) re-enqueues what it still owes.
 */
const RECORDS = 400
const RATE = 80
const DOWN_MS = 3_000

describe('the hub on PostgreSQL when its Redis loses every job', () => {
  let redis: RedisServer
  let scenario: Scenario
  beforeAll(async () => {
    redis = await startRedisServer()
    scenario = await startScenario({ engine: 'postgres', redisUrl: redis.url })
  })
  afterAll(async () => {
    await scenario?.close()
    await redis?.close()
  })

  it('delivers every acknowledged record after a FLUSHALL in the middle of the load', async () => {
    const { hub, departments } = scenario
    const poster = startPoster({ url: hub.url, total: RECORDS, ratePerSecond: RATE })
    await sleep(2_000)
    await redis.flushAll()
    const faultEnded = Date.now()
    await poster.finished()
    expect(poster.refused()).toEqual([])

    const figures = await departments.waitDelivered(poster.acknowledged(), { since: faultEnded, timeoutMs: 60_000 })
    printFigures('redis-flushall', figures, { answers: JSON.stringify(poster.statuses()) })
    expectAllDelivered(figures)
    expect(figures.records).toBe(RECORDS)
  })

  it('delivers every acknowledged record after Redis restarts empty, and answers the funeral home meanwhile', async () => {
    const { hub } = scenario
    const poster = startPoster({ url: hub.url, total: RECORDS, ratePerSecond: RATE, firstIndex: RECORDS })
    await sleep(1_500)
    await redis.stop()
    // While Redis is away the hub still stores what it is sent (the database is what counts)
    // and says it is not ready.
    await sleep(DOWN_MS)
    const ready = await fetch(`${hub.url}/readyz`, { signal: AbortSignal.timeout(5_000) })
    expect(ready.status).toBe(503)
    await redis.start()
    const faultEnded = Date.now()
    await poster.finished()
    expect(poster.refused()).toEqual([])
    expect(poster.statuses()).not.toHaveProperty('500')

    const { figures, statuses } = await scenario.finish(poster.acknowledged(), { since: faultEnded, timeoutMs: 60_000 })
    printFigures('redis-restart', figures, { downMs: DOWN_MS, answers: JSON.stringify(poster.statuses()) })
    expectAllDelivered(figures)
    expect(figures.records).toBe(RECORDS)
    // Both tests' records: nothing of the FLUSHALL's is still owed either.
    expect(statuses).toEqual({ delivered: RECORDS * 2 * 3 })
  })
})
