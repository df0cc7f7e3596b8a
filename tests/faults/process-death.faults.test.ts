import { describe, expect, it } from 'vitest'
import { expectAllDelivered, printFigures } from './harness/departments.js'
import { sleep } from './harness/hub-process.js'
import { startPoster } from './harness/poster.js'
import { startScenario, type Scenario } from './harness/scenario.js'

/**
 * The single hub process dies or is stopped in the middle of its work: kill -9 at random
 * moments under load (PostgreSQL and PGlite), SIGTERM with attempts in flight, and a second
 * SIGTERM that cuts the graceful stop short. Attempts cut off by a death wait out their lease
 * (transport timeout + 30 s) and BullMQ's stalled-job check before they are sent again, so
 * these scenarios each wait about a minute: they run side by side.
 */
const KILLS = 5
const RECORDS = 1_200
const RATE = 80
/** Every department answers this late, so that a stop finds attempts in flight. */
const SLOW = { status: 200, delayMs: 1_500 }

describe.concurrent('the hub process dying or stopped under load', () => {
  for (const engine of ['postgres', 'pglite'] as const) {
    it(`on ${engine}, killed with SIGKILL five times, delivers every acknowledged record to every department, repeats under the same key only`, async () => {
      await withScenario({ engine }, async (scenario) => {
        const { hub } = scenario
        const poster = startPoster({ url: hub.url, total: RECORDS, ratePerSecond: RATE, timeoutMs: 5_000 })
        let faultEnded = Date.now()
        for (let kill = 1; kill <= KILLS; kill++) {
          // A random moment: mid-request, mid-commit or mid-delivery, whatever is going on then.
          await sleep(700 + Math.random() * 1_800)
          hub.kill('SIGKILL')
          expect(await hub.exited()).toEqual({ code: null, signal: 'SIGKILL' })
          await hub.restart()
          faultEnded = Date.now()
        }
        await poster.finished()
        expect(poster.unanswered()).toEqual([])
        expect(poster.refused()).toEqual([])

        const { figures, statuses } = await scenario.finish(poster.acknowledged(), { since: faultEnded, timeoutMs: 120_000 })
        printFigures(`kill-9 ${engine}`, figures, { kills: KILLS, answers: JSON.stringify(poster.statuses()) })
        expectAllDelivered(figures)
        expect(figures.records).toBe(RECORDS)
        expect(statuses).toEqual({ delivered: RECORDS * 3 })
      })
    })
  }

  it('on SIGTERM, finishes the attempts in flight and exits 0; started again, it sends each remaining notice once', async () => {
    await withScenario({ engine: 'postgres' }, async (scenario) => {
      const { hub, departments } = scenario
      departments.setBehaviour(() => SLOW)
      const poster = startPoster({ url: hub.url, total: 60, ratePerSecond: 60 })
      await poster.finished()
      // Attempts are in flight at every department (each takes 1.5 s to answer).
      await Promise.all(Object.values(departments.sims).map(async s => { await s.waitFor(d => d.count > 0) }))
      hub.kill('SIGTERM')
      expect(await hub.exited()).toEqual({ code: 0, signal: null })
      const beforeRestart = departments.figures(poster.acknowledged())
      expect(beforeRestart.accepted).toBeGreaterThan(0)

      await hub.restart()
      const restarted = Date.now()
      const { figures, statuses } = await scenario.finish(poster.acknowledged(), { since: restarted, timeoutMs: 60_000 })
      printFigures('sigterm', figures, { deliveredBeforeStop: beforeRestart.accepted })
      expectAllDelivered(figures)
      // What was in flight at the stop was recorded as delivered: nothing is sent twice.
      expect(figures.repeats).toBe(0)
      expect(statuses).toEqual({ delivered: 180 })
    })
  })

  it('on a second SIGTERM, exits 1 at once; started again, it delivers what was cut off under the same key', async () => {
    await withScenario({ engine: 'postgres' }, async (scenario) => {
      const { hub, departments } = scenario
      // Answers that never come in time: the graceful stop would wait the whole grace period.
      departments.setBehaviour(() => ({ status: 200, delayMs: 60_000 }))
      const poster = startPoster({ url: hub.url, total: 30, ratePerSecond: 30 })
      await poster.finished()
      await Promise.all(Object.values(departments.sims).map(async s => { await s.waitFor(d => d.count > 0) }))
      hub.kill('SIGTERM')
      await sleep(300)
      hub.kill('SIGTERM')
      const stoppedWithin = Date.now()
      expect(await hub.exited()).toEqual({ code: 1, signal: null })
      expect(hub.output()).toContain('second signal: exiting without waiting')
      const exitMs = Date.now() - stoppedWithin

      departments.setBehaviour(() => ({ status: 200 }))
      await hub.restart()
      const restarted = Date.now()
      const { figures, statuses } = await scenario.finish(poster.acknowledged(), { since: restarted, timeoutMs: 120_000 })
      printFigures('sigterm-twice', figures, { exitMs })
      expectAllDelivered(figures)
      expect(statuses).toEqual({ delivered: 90 })
    })
  })
})

async function withScenario (o: Parameters<typeof startScenario>[0], run: (s: Scenario) => Promise<void>): Promise<void> {
  const scenario = await startScenario(o)
  try {
    await run(scenario)
  } finally {
    await scenario.close()
  }
}
