import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  alwaysStatus, delayFirst, failFirst, sequence, startRestDepartment,
  type RestDepartmentOptions, type RestDepartmentSim
} from '../../../sim/rest-department.js'

const SECRET = 'test-signing-secret-0123456789'
const sims: RestDepartmentSim[] = []

afterEach(async () => {
  await Promise.all(sims.splice(0).map(async s => await s.close()))
})

async function start (opts: Partial<RestDepartmentOptions> = {}): Promise<RestDepartmentSim> {
  const sim = await startRestDepartment({ name: 'gongan', ...opts })
  sims.push(sim)
  return sim
}

function sign (raw: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`
}

async function post (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<{ status: number, json: unknown }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
    ...(signal !== undefined ? { signal } : {})
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
}

describe('the REST department simulator', () => {
  it('listens on a free port and records each message with its path, lower-case headers, parsed body and raw text', async () => {
    const sim = await start()
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/notices$/)
    const body = { noticeId: 'n-1', event: 'notice.created', name: '张三' }
    const res = await post(`${sim.url}/extra`, body, { 'Idempotency-Key': 'k-1', 'X-Hub-Event': 'notice.created' })

    expect(res).toEqual({ status: 200, json: { ackId: 'gongan-1' } })
    expect(sim.received).toHaveLength(1)
    const [m] = sim.received
    expect(m).toMatchObject({
      seq: 1, method: 'POST', path: '/notices/extra', body, raw: JSON.stringify(body),
      idempotencyKey: 'k-1', signatureValid: undefined, duplicate: false, n: 1, status: 200, clientGone: false
    })
    expect(m?.headers['x-hub-event']).toBe('notice.created')
    expect(m?.at).toBeInstanceOf(Date)
    expect(sim.accepted()).toHaveLength(1)
    expect(sim.count).toBe(1)
  })

  it('marks a correct X-Hub-Signature valid and a wrong or missing one invalid', async () => {
    const sim = await start({ signingSecret: SECRET })
    const raw = JSON.stringify({ noticeId: 'n-1', name: '欧阳·娜娜' })
    await post(sim.url, raw, { 'x-hub-signature': sign(raw), 'idempotency-key': 'a' })
    await post(sim.url, raw, { 'x-hub-signature': sign(raw, 'another-secret-0123456789'), 'idempotency-key': 'b' })
    await post(sim.url, raw, { 'idempotency-key': 'c' })
    await post(sim.url, raw, { 'x-hub-signature': 'sha256=abc', 'idempotency-key': 'd' })

    expect(sim.received.map(m => m.signatureValid)).toEqual([true, false, false, false])
    expect(sim.accepted()).toHaveLength(4)
  })

  it('answers 401 to a bad signature when the signature is required', async () => {
    const sim = await start({ signingSecret: SECRET, requireSignature: true })
    const raw = JSON.stringify({ noticeId: 'n-1' })
    expect((await post(sim.url, raw, { 'x-hub-signature': sign(raw) })).status).toBe(200)
    expect((await post(sim.url, raw, { 'x-hub-signature': sign(`${raw} `) })).status).toBe(401)
  })

  it('fails the first n requests of each idempotency key separately with failFirst', async () => {
    const sim = await start({ behaviour: failFirst(2, 503) })
    const statuses: number[] = []
    for (const key of ['a', 'a', 'b', 'a', 'b', 'b']) {
      statuses.push((await post(sim.url, { key }, { 'idempotency-key': key })).status)
    }
    expect(statuses).toEqual([503, 503, 503, 200, 503, 200])
    expect(sim.received.map(m => m.n)).toEqual([1, 2, 1, 3, 2, 3])
    expect(sim.uniqueAccepted().map(m => m.idempotencyKey)).toEqual(['a', 'b'])
  })

  it('answers each request of a key with the next step of a sequence and repeats the last step', async () => {
    const sim = await start({ behaviour: sequence([429, { status: 202, body: { ackId: 'custom' } }]) })
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await post(sim.url, {}, { 'idempotency-key': 'k' }))
    expect(answers).toEqual([
      { status: 429, json: { error: 'simulated 429 from gongan' } },
      { status: 202, json: { ackId: 'custom' } },
      { status: 202, json: { ackId: 'custom' } }
    ])
  })

  it('flags a message whose idempotency key was accepted before as a duplicate and returns the first ack id', async () => {
    const sim = await start()
    await post(sim.url, { x: 1 }, { 'idempotency-key': 'k' })
    const again = await post(sim.url, { x: 1 }, { 'idempotency-key': 'k' })

    expect(again.json).toEqual({ ackId: 'gongan-1', duplicate: true })
    expect(sim.received.map(m => m.duplicate)).toEqual([false, true])
    expect(sim.accepted()).toHaveLength(2)
    expect(sim.uniqueAccepted()).toHaveLength(1)
    expect(sim.duplicateCount).toBe(1)
  })

  it('does not flag a retry as a duplicate when the earlier attempt was refused', async () => {
    const sim = await start({ behaviour: failFirst(1) })
    await post(sim.url, {}, { 'idempotency-key': 'k' })
    await post(sim.url, {}, { 'idempotency-key': 'k' })
    expect(sim.received.map(m => [m.status, m.duplicate])).toEqual([[500, false], [200, false]])
  })

  it('delays the first answer with delayFirst and survives a client that gave up waiting', async () => {
    const sim = await start({ behaviour: delayFirst(1, 300) })
    await expect(post(sim.url, {}, { 'idempotency-key': 'k' }, AbortSignal.timeout(50))).rejects.toThrow()

    const started = Date.now()
    expect((await post(sim.url, {}, { 'idempotency-key': 'k' })).status).toBe(200)
    expect(Date.now() - started).toBeLessThan(250)

    // The department still processed the abandoned first request once its delay elapsed.
    await sim.waitFor(s => s.received[0]?.status !== undefined, 2_000)
    expect(sim.received[0]).toMatchObject({ n: 1, status: 200, clientGone: true })
    expect((await post(sim.url, {}, { 'idempotency-key': 'k2' })).status).toBe(200)
  })

  it('answers a delayed request after the delay when the client waits', async () => {
    const sim = await start({ behaviour: delayFirst(1, 150) })
    const started = Date.now()
    expect((await post(sim.url, {}, { 'idempotency-key': 'k' })).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('closes promptly while a delayed answer is still pending', async () => {
    const sim = await startRestDepartment({ name: 'slow', behaviour: delayFirst(1, 60_000) })
    const request = post(sim.url, {}, { 'idempotency-key': 'k' })
    await sim.waitFor(s => s.count === 1)
    const started = Date.now()
    await sim.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    await expect(request).rejects.toThrow()
  })

  it('answers 400 to a body that is not JSON and records it without a parsed body', async () => {
    const sim = await start()
    expect((await post(sim.url, 'not json')).status).toBe(400)
    expect(sim.received[0]).toMatchObject({ raw: 'not json', body: undefined, status: 400 })
  })

  it('switches behaviour with setBehaviour and forgets everything but the behaviour on reset', async () => {
    const sim = await start()
    await post(sim.url, {}, { 'idempotency-key': 'k' })
    sim.setBehaviour(alwaysStatus(503))
    expect((await post(sim.url, {}, { 'idempotency-key': 'k' })).status).toBe(503)

    sim.reset()
    expect(sim.received).toHaveLength(0)
    expect(sim.count).toBe(0)
    expect((await post(sim.url, {}, { 'idempotency-key': 'k' })).status).toBe(503)
    expect(sim.received[0]).toMatchObject({ seq: 1, n: 1, duplicate: false })
  })

  it('only counts messages, without storing them, when recording is off', async () => {
    const sim = await start({ record: false })
    await post(sim.url, { a: 1 }, { 'idempotency-key': 'k' })
    await post(sim.url, { a: 1 }, { 'idempotency-key': 'k' })
    await post(sim.url, { a: 2 }, { 'idempotency-key': 'j' })
    expect(sim.received).toHaveLength(0)
    expect([sim.count, sim.acceptedCount, sim.uniqueAcceptedCount, sim.duplicateCount]).toEqual([3, 3, 2, 1])
  })

  it('resolves waitFor once the condition holds', async () => {
    const sim = await start()
    const waiting = sim.waitFor(s => s.uniqueAccepted().length === 2, 2_000)
    await post(sim.url, {}, { 'idempotency-key': 'a' })
    await post(sim.url, {}, { 'idempotency-key': 'b' })
    await expect(waiting).resolves.toBeUndefined()
  })

  it('rejects waitFor after the timeout with a message listing what was received', async () => {
    const sim = await start({ behaviour: failFirst(5) })
    await post(sim.url, { name: '张三' }, { 'idempotency-key': 'key-1', 'x-hub-event': 'notice.created' })

    const error = await sim.waitFor(s => s.accepted().length > 0, 100).catch((err: unknown) => err as Error)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain('department sim "gongan"')
    expect((error as Error).message).toContain('within 100 ms')
    expect((error as Error).message).toContain('#1 POST /notices status=500 n=1 key=key-1 event=notice.created')
    // bodies carry personal data and stay out of error messages
    expect((error as Error).message).not.toContain('张三')
  })
})
