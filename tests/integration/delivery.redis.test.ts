import { afterEach, describe, expect, it } from 'vitest'
import { alwaysStatus, delayFirst, failFirst, type RestDepartmentSim } from '../../sim/rest-department.js'
import { validCremation } from '../fixtures/cremation.js'
import { ENGINES } from '../helpers/databases.js'
import { deleteKeys, startHubWithDepartments, type TestHubOptions, type TestHubWithDepartments } from '../helpers/test-hub.js'
import { eventually } from '../helpers/waits.js'

describe.each(ENGINES)('delivering death notices to REST departments (%s)', (engine) => {
  let th: TestHubWithDepartments | undefined

  afterEach(async () => {
    await th?.close()
    th = undefined
  })

  async function start (departments: string[], opts: Partial<TestHubOptions> = {}): Promise<Record<string, RestDepartmentSim>> {
    th = await startHubWithDepartments(engine, departments, opts)
    return th.sims
  }

  async function post (body: unknown): Promise<{ statusCode: number, json: any }> {
    const res = await th!.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: body as object })
    return { statusCode: res.statusCode, json: res.json() }
  }

  async function statusOf (certificateNo: string): Promise<any> {
    return (await th!.hub.app.inject({ method: 'GET', url: `/v1/cremations/${certificateNo}` })).json()
  }

  async function settled (certificateNo: string): Promise<any> {
    return await eventually(async () => {
      const s = await statusOf(certificateNo)
      return s.deliveries.every((d: any) => ['delivered', 'dead'].includes(d.status)) ? s : undefined
    }, 15_000, `deliveries of ${certificateNo} to settle`)
  }

  it('delivers one signed notice to each department, with only that department\'s fields', async () => {
    const { gongan, yibao, minzheng } = await start(['gongan', 'yibao', 'minzheng'])
    const res = await post(validCremation)
    expect(res.statusCode).toBe(201)

    const status = await settled(validCremation.certificateNo)
    expect(status.deliveries.map((d: any) => [d.target, d.status, d.attempts])).toEqual([
      ['gongan', 'delivered', 1], ['minzheng', 'delivered', 1], ['yibao', 'delivered', 1]
    ])
    for (const sim of [gongan!, yibao!, minzheng!]) {
      expect(sim.received).toHaveLength(1)
      const msg = sim.received[0]!
      expect(msg.signatureValid).toBe(true)
      expect(msg.headers.authorization).toBe(`Bearer token-${sim.name}`)
      expect(msg.idempotencyKey).toMatch(/^dlv_/)
      expect(msg.headers['x-hub-notice-id']).toBe(res.json.noticeId)
      expect(msg.body).toMatchObject({ noticeId: res.json.noticeId, idNumber: '430621193805120041' })
      expect(JSON.stringify(msg.body)).not.toContain('13907301234')
    }
    expect(gongan!.received[0]!.body).toMatchObject({ policeStation: { code: '430621001' }, deathDate: '2026-11-20' })
    expect(minzheng!.received[0]!.body).toMatchObject({ stopFrom: '2026-12-01' })
    const receipt = status.deliveries.find((d: any) => d.target === 'gongan').receipt
    expect(receipt).toMatchObject({ status: 200, ackId: 'gongan-1' })
  })

  it('retries a department that answers 500 and records both attempts', async () => {
    const { gongan } = await start(['gongan'])
    gongan!.setBehaviour(failFirst(2, 500))
    await post(validCremation)

    const status = await settled(validCremation.certificateNo)
    expect(status.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 3 })
    expect(gongan!.received.map(m => m.status)).toEqual([500, 500, 200])
    expect(new Set(gongan!.received.map(m => m.idempotencyKey)).size).toBe(1)
    const attempts = await th!.testDb.db.query<{ outcome: string, status_code: number, error_class: string | null }>(
      'SELECT outcome, status_code, error_class FROM attempts ORDER BY attempt_no')
    expect(attempts.rows).toEqual([
      { outcome: 'retry', status_code: 500, error_class: 'http-5xx' },
      { outcome: 'retry', status_code: 500, error_class: 'http-5xx' },
      { outcome: 'delivered', status_code: 200, error_class: null }
    ])
  })

  it('marks a delivery dead at once when the department rejects it with 400', async () => {
    const { yibao } = await start(['yibao'])
    yibao!.setBehaviour(alwaysStatus(400))
    await post(validCremation)

    const status = await settled(validCremation.certificateNo)
    expect(status.deliveries[0]).toMatchObject({ status: 'dead', attempts: 1 })
    expect(status.deliveries[0].lastError).toContain('400')
    expect(yibao!.count).toBe(1)
  })

  it('retries after a timeout and the department can tell the retry is a duplicate', async () => {
    const { minzheng } = await start(['minzheng'], { target: { timeoutMs: 300 } })
    minzheng!.setBehaviour(delayFirst(1, 1_000))
    await post(validCremation)

    const status = await settled(validCremation.certificateNo)
    expect(status.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2 })
    const attempts = await th!.testDb.db.query<{ error_class: string | null }>('SELECT error_class FROM attempts ORDER BY attempt_no')
    expect(attempts.rows.map(r => r.error_class)).toEqual(['timeout', null])
    await minzheng!.waitFor(s => s.count === 2)
    expect(minzheng!.uniqueAcceptedCount).toBe(1)
  })

  it('gives up when retries run past the target\'s retry window', async () => {
    const { gongan } = await start(['gongan'], { target: { timeoutMs: 100, retry: { baseDelayMs: 100, maxDelayMs: 100, windowMs: 250 } } })
    gongan!.setBehaviour(alwaysStatus(503))
    await post(validCremation)

    const status = await settled(validCremation.certificateNo)
    expect(status.deliveries[0].status).toBe('dead')
    expect(status.deliveries[0].lastError).toContain('重试期已满')
    expect(gongan!.count).toBeGreaterThanOrEqual(2)
  })

  it('still delivers every notice exactly once when Redis loses its jobs right after ingest', async () => {
    const { gongan, yibao, minzheng } = await start(['gongan', 'yibao', 'minzheng'])
    // Stop the workers from seeing the jobs first: pause, drop every job, then reconcile.
    await Promise.all(['gongan', 'yibao', 'minzheng'].map(async t => await th!.hub.dispatcher.queue(t).pause()))
    expect((await post(validCremation)).statusCode).toBe(201)
    // The 201 does not wait for Redis; the jobs land right after it. Then Redis loses them.
    await th!.hub.dispatcher.idle()
    await deleteKeys(th!.redis, `${th!.config.redis.prefix}:*`)

    expect(await th!.hub.reconcileNow()).toBe(3)
    expect(await th!.hub.reconcileNow()).toBe(0)
    await Promise.all(['gongan', 'yibao', 'minzheng'].map(async t => await th!.hub.dispatcher.queue(t).resume()))

    await settled(validCremation.certificateNo)
    for (const sim of [gongan!, yibao!, minzheng!]) {
      expect(sim.count).toBe(1)
      expect(sim.duplicateCount).toBe(0)
    }
  })

  it('recovers jobs Redis lost through the scheduled reconciler, without anyone calling it', async () => {
    const { gongan } = await start(['gongan'], { reconcilerCron: '* * * * * *' })
    await th!.hub.dispatcher.queue('gongan').pause()
    await post(validCremation)
    await th!.hub.dispatcher.idle()
    await deleteKeys(th!.redis, `${th!.config.redis.prefix}:*`)

    await settled(validCremation.certificateNo)
    expect(gongan!.count).toBe(1)
  })

  it('takes over a delivery whose worker died mid-attempt once its lease runs out', async () => {
    const { gongan } = await start(['gongan'])
    await th!.hub.dispatcher.queue('gongan').pause()
    await post(validCremation)
    await th!.hub.dispatcher.idle()
    // As a worker that crashed after claiming would leave it: delivering, lease already expired.
    await th!.testDb.db.query(`UPDATE deliveries SET status = 'delivering', attempts = 1,
      first_attempt_at = now() - interval '1 minute', lease_until = now() - interval '1 second'`)
    await deleteKeys(th!.redis, `${th!.config.redis.prefix}:*`)

    expect(await th!.hub.reconcileNow()).toBe(1)
    const status = await settled(validCremation.certificateNo)
    expect(status.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2 })
    expect(gongan!.count).toBe(1)
  })
})
