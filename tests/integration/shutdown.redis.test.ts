import { afterEach, describe, expect, it } from 'vitest'
import { delayFirst, startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { validCremation } from '../fixtures/cremation.js'
import { SIGNING_SECRET, startTestHub, type TestHub } from '../helpers/test-hub.js'

describe('graceful shutdown', () => {
  let th: TestHub | undefined
  let sim: RestDepartmentSim | undefined
  afterEach(async () => {
    await th?.close()
    await sim?.close()
    th = undefined
  })

  async function deliveryRow (): Promise<{ status: string, attempts: number }> {
    const r = await th!.testDb.db.query<{ status: string, attempts: number }>('SELECT status, attempts FROM deliveries')
    return r.rows[0]!
  }

  it('lets a delivery in flight finish before the hub stops', async () => {
    sim = await startRestDepartment({ name: 'gongan', signingSecret: SIGNING_SECRET, behaviour: delayFirst(1, 700) })
    th = await startTestHub({ engine: 'pglite', departments: { gongan: sim }, target: { timeoutMs: 5_000 } })
    await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: validCremation })
    await sim.waitFor(s => s.count === 1)

    await th.hub.close()
    expect(await deliveryRow()).toEqual({ status: 'delivered', attempts: 1 })
  })

  it('interrupts an attempt still running after the grace period and leaves the delivery due again', async () => {
    sim = await startRestDepartment({ name: 'gongan', signingSecret: SIGNING_SECRET, behaviour: delayFirst(1, 5_000) })
    th = await startTestHub({ engine: 'pglite', departments: { gongan: sim }, target: { timeoutMs: 10_000 } })
    await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: validCremation })
    await sim.waitFor(s => s.count === 1)

    const started = Date.now()
    await th.hub.close(200)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(await deliveryRow()).toEqual({ status: 'retrying', attempts: 1 })
    // Our own shutdown is not the department's failure: due again at once, no backoff.
    const due = await th.testDb.db.query<{ due: boolean }>('SELECT next_attempt_at <= now() AS due FROM deliveries')
    expect(due.rows).toEqual([{ due: true }])
    const attempt = await th.testDb.db.query<{ error_class: string }>('SELECT error_class FROM attempts')
    expect(attempt.rows).toEqual([{ error_class: 'aborted' }])
  })
})
