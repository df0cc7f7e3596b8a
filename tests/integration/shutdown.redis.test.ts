import net from 'node:net'
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

  it('stops within its grace period while a client never finishes sending its body', async () => {
    sim = await startRestDepartment({ name: 'gongan', signingSecret: SIGNING_SECRET })
    th = await startTestHub({ engine: 'pglite', departments: { gongan: sim } })
    await th.hub.app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = th.hub.app.server.address() as net.AddressInfo
    // Promises 100 bytes, sends 6, then waits: the request never reaches a handler.
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    const hungUp = new Promise<void>(resolve => socket.on('close', () => { resolve() }))
    await new Promise<void>(resolve => socket.once('connect', () => { resolve() }))
    socket.write('POST /v1/cremations HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"cert')
    await new Promise(resolve => setTimeout(resolve, 100))

    const started = Date.now()
    await th.hub.close(500)
    expect(Date.now() - started).toBeLessThan(5_000)
    await hungUp
  })
})
