import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCremation } from '../fixtures/cremation.js'
import { expectAllDelivered, printFigures } from './harness/departments.js'
import { sleep } from './harness/hub-process.js'
import { startPoster } from './harness/poster.js'
import { createPostgresCluster, type PostgresCluster } from './harness/postgres-cluster.js'
import { startScenario, type Scenario } from './harness/scenario.js'

/**
 * The hub's PostgreSQL server stops (pg_ctl stop -m fast: every connection ends) and starts
 * again a few seconds later, under load. A funeral home must hear 503 HUB_ERR_UNAVAILABLE
 * with Retry-After, never a 500, and its re-posts must all land; deliveries resume.
 */
const RECORDS = 600
const RATE = 60
const DOWN_MS = 5_000

describe('the hub when its PostgreSQL server stops and starts again', () => {
  let cluster: PostgresCluster
  let scenario: Scenario | undefined
  beforeAll(async () => { cluster = await createPostgresCluster() })
  afterAll(async () => {
    await scenario?.close()
    await cluster?.close()
  })

  it('answers 503 with Retry-After while it is down, and delivers every acknowledged record once it is back', async () => {
    scenario = await startScenario({
      engine: 'postgres',
      postgresServerUrl: cluster.url,
      // A request waits at most this long for a connection before it is answered 503.
      config: { database: { connectTimeoutMs: 2_000, queryTimeoutMs: 10_000 } }
    })
    const { hub } = scenario
    const poster = startPoster({ url: hub.url, total: RECORDS, ratePerSecond: RATE, timeoutMs: 10_000 })
    await sleep(2_000)
    await cluster.stop('fast')
    const stoppedAt = Date.now()
    // The client's view of the outage: one request by hand, besides the poster's.
    await sleep(500)
    const during = await fetch(`${hub.url}/v1/cremations`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeCremation(RECORDS + 1)), signal: AbortSignal.timeout(10_000)
    }).then(async res => ({ status: res.status, retryAfter: res.headers.get('retry-after'), code: (await res.json() as { code: string }).code }))
    const ready = await fetch(`${hub.url}/readyz`, { signal: AbortSignal.timeout(5_000) })
    await sleep(DOWN_MS - (Date.now() - stoppedAt))
    await cluster.start()
    const faultEnded = Date.now()
    await poster.finished()
    expect(during).toEqual({ status: 503, retryAfter: expect.stringMatching(/^[1-9]\d*$/), code: 'HUB_ERR_UNAVAILABLE' })
    expect(ready.status).toBe(503)
    expect(poster.refused()).toEqual([])
    expect(poster.unanswered()).toEqual([])
    const answers = poster.statuses()
    expect(answers).not.toHaveProperty('500')
    expect(answers['503']).toBeGreaterThan(0)

    const { figures, statuses } = await scenario.finish(poster.acknowledged(), { since: faultEnded, timeoutMs: 90_000 })
    printFigures('postgres-restart', figures, { downMs: DOWN_MS, answers: JSON.stringify(answers) })
    expectAllDelivered(figures)
    expect(figures.records).toBe(RECORDS)
    expect(statuses).toEqual({ delivered: RECORDS * 3 })
  })
})
