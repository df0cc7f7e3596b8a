import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { cremationWith, hospitalCremation, makeCremation, validCremation } from '../fixtures/cremation.js'
import { appendAudit, verifyAudit } from '../../src/store/audit.js'
import { ENGINES } from '../helpers/databases.js'
import { SIGNING_SECRET, startTestHub, type TestHub } from '../helpers/test-hub.js'
import { eventually } from '../helpers/waits.js'

describe.each(ENGINES)('POST and GET /v1/cremations (%s)', (engine) => {
  let th: TestHub
  let sims: RestDepartmentSim[]

  beforeAll(async () => {
    sims = await Promise.all(['gongan', 'yibao'].map(async name => await startRestDepartment({ name, signingSecret: SIGNING_SECRET })))
    th = await startTestHub({ engine, departments: { gongan: sims[0]!, yibao: sims[1]! } })
  })
  afterAll(async () => {
    await th.close()
    await Promise.all(sims.map(async s => await s.close()))
  })
  let auditBefore = 0
  beforeEach(async () => {
    // The last test's deliveries finish first: the same record posted again makes the same
    // delivery ids, and BullMQ takes no new job under the id of one still running.
    await eventually(async () => {
      for (const target of ['gongan', 'yibao']) {
        const c = await th.hub.dispatcher.queue(target).getJobCounts('active', 'waiting', 'delayed')
        if ((c.active ?? 0) + (c.waiting ?? 0) + (c.delayed ?? 0) > 0) return undefined
      }
      return true
    }, 10_000, 'the queues to be idle')
    // Each test starts from an empty hub: the schema stays, the rows go, except the audit trail,
    // which refuses to be truncated; tests count the ingest events they add (deliveries, made
    // in the background, add their own).
    await th.testDb.db.exec('TRUNCATE attempts, deliveries, records, notices')
    auditBefore = (await th.testDb.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'record.received'`)).rows[0]!.n
  })

  const post = async (body: unknown) => await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: body as object })
  const rowCounts = async (): Promise<Record<string, number>> => {
    const r = await th.testDb.db.query<{ records: number, notices: number, deliveries: number, audit: number }>(
      `SELECT (SELECT count(*)::int FROM records) AS records, (SELECT count(*)::int FROM notices) AS notices,
              (SELECT count(*)::int FROM deliveries) AS deliveries, (SELECT count(*)::int FROM audit_events WHERE action = 'record.received') AS audit`)
    return { ...r.rows[0]!, audit: r.rows[0]!.audit - auditBefore }
  }

  it('answers 201 with the notice id and the planned deliveries once the record is committed', async () => {
    const res = await post(validCremation)
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({ certificateNo: 'YYX-2026-0815', version: 1, outcome: 'created', noticeId: expect.stringMatching(/^ntc_/) })
    expect(body.deliveries.map((d: { target: string }) => d.target).sort()).toEqual(['gongan', 'yibao'])
    // The 201 came after the commit: everything is already readable.
    expect(await rowCounts()).toEqual({ records: 1, notices: 1, deliveries: 2, audit: 1 })
  })

  it('answers the same record again with 200 and the same notice, planning nothing new', async () => {
    const first = (await post(validCremation)).json()
    const again = await post(validCremation)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ noticeId: first.noticeId, outcome: 'duplicate', version: 1 })
    expect(again.json().deliveries.map((d: { id: string }) => d.id).sort()).toEqual(first.deliveries.map((d: { id: string }) => d.id).sort())
    expect((await rowCounts()).deliveries).toBe(2)
  })

  it('treats a resubmission that differs only in spacing and full-width digits as the same record', async () => {
    await post(validCremation)
    const spaced = cremationWith({ deceased: { idNumber: ' ４３０６２１１９３８０５１２００４１ ', name: ' 李桂英 ' } })
    expect((await post(spaced)).statusCode).toBe(200)
  })

  it('refuses the same certificate number with different content with 409 and changes nothing', async () => {
    await post(validCremation)
    const before = await rowCounts()
    const res = await post(cremationWith({ cremation: { time: '2026-11-23T09:15:00+08:00' } }))
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('HUB_ERR_CERTIFICATE_CONFLICT')
    expect(await rowCounts()).toEqual(before)
  })

  it('refuses a second certificate for a person who already has a cremation record', async () => {
    await post(validCremation)
    const res = await post(cremationWith({ certificateNo: 'YYX-2026-9999' }))
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('HUB_ERR_SUBJECT_CONFLICT')
    expect((await rowCounts()).records).toBe(1)
  })

  it('rejects a malformed body with 400, naming every field, and writes nothing', async () => {
    const res = await post(cremationWith({ deceased: { gender: 1, idNumber: undefined }, extra: 'x' }))
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.code).toBe('HUB_ERR_SCHEMA')
    expect(body.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ pointer: '/deceased/gender', code: 'HUB_ERR_TYPE' }),
      expect.objectContaining({ pointer: '/deceased/idNumber', code: 'HUB_ERR_REQUIRED' }),
      expect.objectContaining({ pointer: '/extra', code: 'HUB_ERR_UNKNOWN_FIELD' })
    ]))
    for (const e of body.errors) expect(e.message).toMatch(/[\u4e00-\u9fff]/)
    expect(await rowCounts()).toEqual({ records: 0, notices: 0, deliveries: 0, audit: 0 })
  })

  it('rejects a record that breaks the rules with 422, listing every failing field, and writes nothing', async () => {
    const res = await post(cremationWith({
      deceased: { idNumber: '430621193805120042' },
      death: { time: '2026-11-23T06:40:00+08:00' },
      informant: { phone: '12345' }
    }))
    expect(res.statusCode).toBe(422)
    const body = res.json()
    expect(body.code).toBe('HUB_ERR_VALIDATION')
    expect(body.errors.map((e: { pointer: string, code: string }) => [e.pointer, e.code])).toEqual(expect.arrayContaining([
      ['/deceased/idNumber', 'HUB_ERR_ID_CHECKSUM'],
      ['/cremation/time', 'HUB_ERR_DEATH_AFTER_CREMATION'],
      ['/informant/phone', 'HUB_ERR_PHONE']
    ]))
    expect(await rowCounts()).toEqual({ records: 0, notices: 0, deliveries: 0, audit: 0 })
  })

  it('answers a body that is not JSON with 400 and a stable code', async () => {
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: '{"certificateNo":', headers: { 'content-type': 'application/json' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('HUB_ERR_BAD_JSON')
  })

  it('answers a body that is not JSON-typed with 415 and one that is too large with 413', async () => {
    const text = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: 'x', headers: { 'content-type': 'text/plain' } })
    expect([text.statusCode, text.json().code]).toEqual([415, 'HUB_ERR_MEDIA_TYPE'])
    const big = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: { pad: 'x'.repeat(2_000_000) } })
    expect([big.statusCode, big.json().code]).toEqual([413, 'HUB_ERR_BODY_TOO_LARGE'])
    expect((await rowCounts()).records).toBe(0)
  })

  it('refuses control characters in any field with 400, naming the field, and writes nothing', async () => {
    const res = await post(cremationWith({ funeralHome: { name: '岳阳县\u0000殡仪馆' }, deceased: { policeStation: { name: '荣家湾\uD800派出所' } } }))
    expect(res.statusCode).toBe(400)
    expect(res.json().errors.map((e: { pointer: string, code: string }) => [e.pointer, e.code])).toEqual([
      ['/funeralHome/name', 'HUB_ERR_CHARACTERS'], ['/deceased/policeStation/name', 'HUB_ERR_CHARACTERS']
    ])
    expect((await rowCounts()).records).toBe(0)
    expect((await th.hub.app.inject({ method: 'GET', url: '/v1/cremations/a%00b' })).statusCode).toBe(404)
    // In a funeral home code given as a query or in a void, too: 400 naming it, never a 500.
    const query = await th.hub.app.inject({ method: 'GET', url: `/v1/cremations/${validCremation.certificateNo}?funeralHome=BYG%00` })
    expect([query.statusCode, query.json().errors?.[0]?.pointer]).toEqual([400, '/funeralHome'])
    const voided = await th.hub.app.inject({ method: 'POST', url: `/v1/cremations/${validCremation.certificateNo}/void`, payload: { reason: '误报死亡', funeralHome: 'BYG\u0000' } })
    expect([voided.statusCode, voided.json().errors?.[0]?.pointer]).toEqual([400, '/funeralHome'])
  })

  it('answers a body nested thousands of levels deep with 400, not a crash', async () => {
    const deep = `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`
    for (const url of ['/v1/cremations', '/v1/death-certificates']) {
      const res = await th.hub.app.inject({ method: 'POST', url, payload: deep, headers: { 'content-type': 'application/json' } })
      expect(res.statusCode).toBe(400)
      expect(res.json().errors.length).toBeGreaterThan(0)
    }
    expect((await rowCounts()).records).toBe(0)
  })

  it('recognises the same person whether the funeral home saw the 身份证 or the 户口簿', async () => {
    await post(validCremation)
    const res = await post(cremationWith({ certificateNo: 'YYX-2026-7777', deceased: { idType: '2' } }))
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('HUB_ERR_SUBJECT_CONFLICT')
  })

  it('keeps certificate numbers apart per funeral home, and asks which one when a lookup is ambiguous', async () => {
    await post(validCremation)
    const other = makeCremation(3)
    other.certificateNo = validCremation.certificateNo
    other.funeralHome = { code: '430600-YYS', name: '岳阳市殡仪馆' }
    expect((await post(other)).statusCode).toBe(201)
    const ambiguous = await th.hub.app.inject({ method: 'GET', url: `/v1/cremations/${validCremation.certificateNo}` })
    expect([ambiguous.statusCode, ambiguous.json().code]).toEqual([409, 'HUB_ERR_AMBIGUOUS'])
    const chosen = await th.hub.app.inject({ method: 'GET', url: `/v1/cremations/${validCremation.certificateNo}?funeralHome=430600-YYS` })
    expect(chosen.json()).toMatchObject({ funeralHome: '430600-YYS' })
  })

  it('answers identical records posted at the same moment with one notice, never a conflict', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(async () => await post(hospitalCremation)))
    expect(answers.map(a => a.statusCode).sort()).toEqual([200, 200, 200, 201])
    expect(new Set(answers.map(a => a.json().noticeId)).size).toBe(1)
    expect(await rowCounts()).toMatchObject({ records: 1, notices: 1, deliveries: 2 })
  })

  it('shows the record\'s status and each delivery\'s status, attempts and receipt', async () => {
    await post(hospitalCremation)
    const status = await eventually(async () => {
      const s = (await th.hub.app.inject({ method: 'GET', url: `/v1/cremations/${hospitalCremation.certificateNo.toLowerCase()}` })).json()
      return s.deliveries.every((d: { status: string }) => d.status === 'delivered') ? s : undefined
    })
    expect(status).toMatchObject({ certificateNo: hospitalCremation.certificateNo, status: 'active', version: 1 })
    expect(status.deliveries).toHaveLength(2)
    for (const d of status.deliveries) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 1, receipt: { status: 200, ackId: expect.any(String) } })
    }
    expect(JSON.stringify(status)).not.toContain('张建华')
  })

  it('answers 404 for a certificate number it has never seen', async () => {
    const res = await th.hub.app.inject({ method: 'GET', url: '/v1/cremations/NOPE-1' })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('HUB_ERR_NOT_FOUND')
  })

  it('seals every waiting audit event in one pass, however many a busy hub wrote since the last', async () => {
    for (let chunk = 0; chunk < 3; chunk++) {
      await appendAudit(th.hub.db, Array.from({ length: 4_001 }, (_, i) => ({ actor: 'test', action: 'load.event', entity: `load:${chunk}:${i}`, details: {} })))
    }
    expect(await th.hub.sealAuditNow()).toBeGreaterThanOrEqual(12_003)
    expect(await th.hub.sealAuditNow()).toBe(0)
    expect(await verifyAudit(th.hub.db)).toMatchObject({ ok: true })
  })

  it('answers a URL it cannot decode in its own shape, without echoing the path, and logs the request', async () => {
    const res = await th.hub.app.inject({ method: 'GET', url: '/v1/cremations/430621193805120041%E0%A4%A' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 'HUB_ERR_BAD_URL', message: expect.stringContaining('请求地址无效') })
    expect(res.body).not.toContain('430621193805120041')
    expect(th.logs.some(l => l.route === '(unroutable)' && l.statusCode === 400)).toBe(true)
    expect(th.logText()).not.toContain('430621193805120041')
  })

  it('keeps names, ID numbers and phones only in encrypted form in the database', async () => {
    await post(validCremation)
    const dump = await th.testDb.db.query('SELECT * FROM records')
    const text = JSON.stringify(dump.rows)
    for (const secret of ['李桂英', '430621193805120041', '13907301234', '王志强', '建设北路', 'Y430621202611200017', '周建国']) {
      expect(text).not.toContain(secret)
    }
  })

  it('never writes personal data to its logs', async () => {
    const body = makeCremation(7)
    await post(body)
    await post(cremationWith({ deceased: { idNumber: '430621193805120042' } }))
    await eventually(async () => (await th.testDb.db.query("SELECT 1 FROM deliveries WHERE status = 'delivered'")).rowCount >= 2 ? true : undefined)
    const logs = th.logText()
    expect(logs).toContain('cremation record accepted')
    for (const secret of [body.deceased.name, body.deceased.idNumber, body.informant!.phone, '430621193805120042']) expect(logs).not.toContain(secret)
  })

  it('reports itself healthy and ready when the database and Redis answer', async () => {
    expect((await th.hub.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const ready = await th.hub.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', workers: 'ok' } })
  })
})
