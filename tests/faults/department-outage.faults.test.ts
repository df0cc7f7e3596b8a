import { afterEach, describe, expect, it } from 'vitest'
import { expectAllDelivered, printFigures } from './harness/departments.js'
import { sleep } from './harness/hub-process.js'
import { startPoster } from './harness/poster.js'
import { startScenario, type Scenario } from './harness/scenario.js'

/**
 * One department answers 503 for a while (a deploy, an overloaded gateway), then 200 again,
 * under the retry policy of config/hub.yaml (2 s doubling, 3-day window): the notices wait and
 * go out once it is back, none becomes a dead letter, the other departments are not held up.
 */
const RECORDS = 300
const RATE = 60
const OUTAGE_MS = 8_000
const SAMPLE_RETRY = { baseDelayMs: 2_000, maxDelayMs: 600_000, windowMs: 259_200_000 }

describe('a department that answers 503 for a while', () => {
  let scenario: Scenario | undefined
  afterEach(async () => { await scenario?.close() })

  it('gets every notice once it answers 200 again, with no dead letter and no repeat under another key', async () => {
    scenario = await startScenario({ engine: 'postgres', config: { retry: SAMPLE_RETRY } })
    const { hub, departments } = scenario
    const backAt = Date.now() + OUTAGE_MS
    departments.setBehaviour(() => Date.now() < backAt ? { status: 503 } : { status: 200 }, 'yibao')
    const poster = startPoster({ url: hub.url, total: RECORDS, ratePerSecond: RATE })
    await poster.finished()
    expect(poster.refused()).toEqual([])
    const acked = poster.acknowledged()

    // The others get theirs during the outage.
    const others = acked.map(r => ({ ...r, targets: r.targets.filter(t => t !== 'yibao') }))
    expect((await departments.waitDelivered(others, { since: Date.now(), timeoutMs: 30_000 })).missing).toBe(0)
    expect(Date.now()).toBeLessThan(backAt)

    await sleep(backAt - Date.now())
    const { figures, statuses } = await scenario.finish(acked, { since: backAt, timeoutMs: 60_000 })
    printFigures('department-503', figures, { outageMs: OUTAGE_MS, refusedAttempts: departments.sims.yibao!.count - departments.sims.yibao!.acceptedCount })
    expectAllDelivered(figures)
    expect(statuses).toEqual({ delivered: RECORDS * 3 })
  })
})
