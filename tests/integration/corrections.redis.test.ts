import { afterEach, describe, expect, it } from 'vitest'
import { alwaysOk, alwaysStatus, type RestDepartmentSim } from '../../sim/rest-department.js'
import { cremationWith, validCremation } from '../fixtures/cremation.js'
import { deathCertificateWith, validDeathCertificate } from '../fixtures/death-certificate.js'
import { ENGINES } from '../helpers/databases.js'
import { startHubWithDepartments, type TestHubOptions, type TestHubWithDepartments } from '../helpers/test-hub.js'
import { eventually } from '../helpers/waits.js'

const CERT = validCremation.certificateNo
const corrected = cremationWith({ deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路8号' } })
const correctedAgain = cremationWith({ deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路9号' } })

describe.each(ENGINES)('corrections, voids, holds and corroboration (%s)', (engine) => {
  let th: TestHubWithDepartments | undefined

  afterEach(async () => {
    await th?.close()
    th = undefined
  })

  async function start (departments: string[], opts: Partial<TestHubOptions> = {}): Promise<Record<string, RestDepartmentSim>> {
    th = await startHubWithDepartments(engine, departments, opts)
    return th.sims
  }

  async function call (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown): Promise<{ statusCode: number, json: any }> {
    const res = await th!.hub.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) })
    return { statusCode: res.statusCode, json: res.json() }
  }
  const post = async (body: unknown) => await call('POST', '/v1/cremations', body)
  const put = async (body: unknown, cert = CERT) => await call('PUT', `/v1/cremations/${cert}`, body)
  const voidIt = async (reason: unknown = '家属核实：报错了人，逝者仍健在') =>
    await call('POST', `/v1/cremations/${CERT}/void`, { reason, funeralHome: validCremation.funeralHome.code })
  const statusOf = async (): Promise<any> => (await call('GET', `/v1/cremations/${CERT}`)).json
  const delivery = (s: any, target: string, event: string, version: number): any =>
    s.deliveries.find((d: any) => d.target === target && d.event === event && d.version === version)
  const last = (sim: RestDepartmentSim): any => sim.accepted().at(-1)?.body

  async function delivered (target: string, event: string, version: number): Promise<void> {
    await eventually(async () => delivery(await statusOf(), target, event, version)?.status === 'delivered' ? true : undefined,
      15_000, `${target} ${event} v${version} delivered`)
  }

  describe('PUT /v1/cremations/:certificateNo', () => {
    it('stores a correction as a new version, and answers an identical one again the same way', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      expect((await post(validCremation)).statusCode).toBe(201)
      const first = await put(corrected)
      expect(first.statusCode).toBe(200)
      expect(first.json).toMatchObject({ outcome: 'corrected', version: 2 })
      const again = await put(corrected)
      expect(again.statusCode).toBe(200)
      expect(again.json).toMatchObject({ outcome: 'duplicate', version: 2, noticeId: first.json.noticeId })
      expect(again.json.deliveries).toEqual(first.json.deliveries)
      const s = await statusOf()
      expect(s.versions.map((v: any) => [v.version, v.status])).toEqual([[1, 'superseded'], [2, 'active']])
    })

    it('with If-Match, refuses a late retry of an older correction instead of rolling the record back', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      const first = await post(validCremation)
      expect(first.json).toMatchObject({ certificateVersion: 1 })
      const putIf = async (body: unknown, ifMatch: string): Promise<{ statusCode: number, json: any }> => {
        const res = await th!.hub.app.inject({ method: 'PUT', url: `/v1/cremations/${CERT}`, payload: body as object, headers: { 'if-match': ifMatch } })
        return { statusCode: res.statusCode, json: res.json() }
      }
      const [v2, v3] = [corrected, correctedAgain]
      expect((await putIf(v2, '"1"')).json).toMatchObject({ outcome: 'corrected', certificateVersion: 2 })
      expect((await putIf(v3, '"2"')).json).toMatchObject({ outcome: 'corrected', certificateVersion: 3 })
      // The first correction's retry arrives late: refused, and the record stays at v3.
      const late = await putIf(v2, '"1"')
      expect([late.statusCode, late.json.code]).toEqual([412, 'HUB_ERR_VERSION_CHANGED'])
      expect(late.json.message).toContain('3')
      // The second correction's retry (its answer was lost) is the same content: answered as before.
      expect((await putIf(v3, '"2"')).json).toMatchObject({ outcome: 'duplicate', certificateVersion: 3 })
      const s = await statusOf()
      expect(s.versions.map((v: any) => [v.version, v.status])).toEqual([[1, 'superseded'], [2, 'superseded'], [3, 'active']])
      expect((await putIf(v2, 'soon')).statusCode).toBe(400)
      const ahead = await putIf(v2, '"9"')
      expect([ahead.statusCode, ahead.json.message]).toEqual([412, expect.stringContaining('没有第 9 版')])
      expect((await putIf(v2, '*')).json).toMatchObject({ outcome: 'corrected', certificateVersion: 4 })
    })

    it('validates a correction exactly like a new record, and a refused one changes nothing', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      await post(validCremation)
      const bad = await put(cremationWith({ deceased: { idNumber: '430621193805120042' } }))
      expect(bad.statusCode).toBe(422)
      expect(bad.json.errors.map((e: any) => e.pointer)).toContain('/deceased/idNumber')
      const schema = await put({ ...corrected, colour: 'blue' })
      expect(schema.statusCode).toBe(400)
      expect((await statusOf()).versions).toHaveLength(1)
    })

    it('refuses a body for another certificate, an unknown certificate, and a change of person', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      await post(validCremation)
      const mismatch = await put(corrected, 'HH-OTHER-1')
      expect(mismatch.statusCode).toBe(400)
      expect(mismatch.json.code).toBe('HUB_ERR_CERTIFICATE_NO_MISMATCH')
      const unknown = await put({ ...corrected, certificateNo: 'HH-UNKNOWN-1' }, 'HH-UNKNOWN-1')
      expect(unknown.statusCode).toBe(404)
      const other = await put(cremationWith({ deceased: { idNumber: '11010519491231002X', birthDate: '1949-12-31', gender: '2' } }))
      expect(other.statusCode).toBe(422)
      expect(other.json.code).toBe('HUB_ERR_SUBJECT_CHANGED')
      expect((await statusOf()).versions).toHaveLength(1)
    })

    it('supersedes what has not gone out: the department only ever sees the newest version', async () => {
      const { yibao } = await start(['yibao'], { overrides: { yibao: { holdMinutes: 0.02 } } })
      await post(validCremation)
      const res = await put(corrected)
      expect(res.json.superseded).toHaveLength(1)
      await delivered('yibao', 'notice.created', 2)
      await new Promise(resolve => setTimeout(resolve, 300))
      expect(yibao!.received.map(m => [(m.body as any).event, (m.body as any).version])).toEqual([['notice.created', 2]])
      const s = await statusOf()
      expect(delivery(s, 'yibao', 'notice.created', 1).status).toBe('superseded')
      expect(s.history.map((h: any) => h.action)).toEqual(expect.arrayContaining(['record.received', 'record.corrected', 'delivery.superseded']))
    })

    it('sends notice.updated to a department that already has an older version', async () => {
      const { yibao } = await start(['yibao'])
      await post(validCremation)
      await delivered('yibao', 'notice.created', 1)
      await put(corrected)
      await delivered('yibao', 'notice.updated', 2)
      expect(yibao!.accepted().map(m => [(m.body as any).event, (m.body as any).version])).toEqual([
        ['notice.created', 1], ['notice.updated', 2]
      ])
    })

    it('keeps version order while an older version is still being retried: the last word is the newest', async () => {
      const { yibao } = await start(['yibao'], { target: { retry: { baseDelayMs: 100, maxDelayMs: 200, windowMs: 60_000 } } })
      yibao!.setBehaviour(alwaysStatus(503))
      await post(validCremation)
      await eventually(async () => yibao!.received.length >= 2 ? true : undefined, 10_000, 'v1 failing twice')
      await put(corrected)
      await put(correctedAgain)
      yibao!.setBehaviour(alwaysOk())
      await delivered('yibao', 'notice.updated', 3)
      await new Promise(resolve => setTimeout(resolve, 500))
      const accepted = yibao!.accepted().map(m => (m.body as any).version as number)
      expect(accepted.at(-1)).toBe(3)
      // Never an older version after a newer one.
      expect([...accepted].sort((a, b) => a - b)).toEqual(accepted)
      expect(accepted).not.toContain(1)
    })

    it('tells a department that takes no updates of the corrected record as notice.created when its first never got through', async () => {
      const { yibao } = await start(['yibao'], {
        target: { retry: { baseDelayMs: 100, maxDelayMs: 200, windowMs: 60_000 } },
        overrides: { yibao: { events: ['notice.created', 'notice.voided'] } }
      })
      // The 503s reached the department's server: the first version may have arrived.
      yibao!.setBehaviour(alwaysStatus(503))
      await post(validCremation)
      await eventually(async () => yibao!.received.length >= 2 ? true : undefined, 10_000, 'v1 failing twice')
      await put(corrected)
      yibao!.setBehaviour(alwaysOk())
      await delivered('yibao', 'notice.created', 2)
      await new Promise(resolve => setTimeout(resolve, 300))
      expect(yibao!.accepted().map(m => [(m.body as any).event, (m.body as any).version])).toEqual([['notice.created', 2]])
      expect(delivery(await statusOf(), 'yibao', 'notice.created', 1).status).toBe('superseded')
    })

    it('sends nothing more to a department that takes no updates and already has the notice', async () => {
      const { yibao } = await start(['yibao'], { overrides: { yibao: { events: ['notice.created', 'notice.voided'] } } })
      await post(validCremation)
      await delivered('yibao', 'notice.created', 1)
      const res = await put(corrected)
      expect(res.json.deliveries).toEqual([])
      await new Promise(resolve => setTimeout(resolve, 300))
      expect(yibao!.accepted().map(m => [(m.body as any).event, (m.body as any).version])).toEqual([['notice.created', 1]])
    })
  })

  describe('POST /v1/cremations/:certificateNo/void', () => {
    it('cancels what has not gone out and tells every department that had the notice, with the reason', async () => {
      const { yibao, minzheng } = await start(['yibao', 'minzheng'], { overrides: { minzheng: { holdMinutes: 10 } } })
      await post(validCremation)
      await delivered('yibao', 'notice.created', 1)
      const res = await voidIt()
      expect(res.statusCode).toBe(200)
      expect(res.json).toMatchObject({ outcome: 'voided', version: 2, reason: '家属核实：报错了人，逝者仍健在' })
      expect(res.json.cancelled).toHaveLength(1)
      await delivered('yibao', 'notice.voided', 2)
      expect(last(yibao!)).toMatchObject({ event: 'notice.voided', version: 2, voidReason: '家属核实：报错了人，逝者仍健在', idNumber: validCremation.deceased.idNumber })
      expect(minzheng!.received).toHaveLength(0)
      const s = await statusOf()
      expect(s).toMatchObject({ noticeStatus: 'voided', status: 'voided', voidReason: '家属核实：报错了人，逝者仍健在' })
      expect(delivery(s, 'minzheng', 'notice.created', 1).status).toBe('cancelled')
      expect(delivery(s, 'minzheng', 'notice.voided', 2)).toBeUndefined()
      expect(s.history.map((h: any) => h.action)).toEqual(expect.arrayContaining(['record.voided', 'delivery.cancelled']))
    })

    it('answers a second void like the first, and refuses corrections afterwards', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      await post(validCremation)
      const first = await voidIt()
      const again = await voidIt('另一个原因')
      expect(again.statusCode).toBe(200)
      expect(again.json).toMatchObject({ outcome: 'duplicate', version: first.json.version, reason: first.json.reason })
      const correction = await put(corrected)
      expect(correction.statusCode).toBe(409)
      expect(correction.json.code).toBe('HUB_ERR_VOIDED')
      // Other content posted under the withdrawn number is told so, not sent to the correction API.
      const reposted = await post(corrected)
      expect([reposted.statusCode, reposted.json.code]).toEqual([409, 'HUB_ERR_VOIDED'])
    })

    it('requires a reason without personal data, naming the field', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      await post(validCremation)
      expect((await call('POST', `/v1/cremations/${CERT}/void`, {})).json.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/reason', '/funeralHome'])
      // Another funeral home's number is not this one's: nothing is found, nothing withdrawn.
      expect((await call('POST', `/v1/cremations/${CERT}/void`, { reason: '证号录错', funeralHome: '430621-OTHER' })).statusCode).toBe(404)
      expect((await call('POST', `/v1/cremations/${CERT}/void?funeralHome=430621-OTHER`, { reason: '证号录错' })).statusCode).toBe(404)
      const personal = await voidIt(`证件号 ${validCremation.deceased.idNumber} 录错`)
      expect(personal.statusCode).toBe(422)
      expect(personal.json.errors[0].code).toBe('HUB_ERR_VOID_REASON_PERSONAL')
      expect((await statusOf()).noticeStatus).toBe('active')
      expect((await call('POST', '/v1/cremations/HH-UNKNOWN-9/void', { reason: '报错', funeralHome: validCremation.funeralHome.code })).statusCode).toBe(404)
    })
  })

  describe('holds', () => {
    it('a void within the hold means the department never hears of the notice; without one it goes out when the hold ends', async () => {
      const { yibao } = await start(['yibao'], { overrides: { yibao: { holdMinutes: 0.02 } } })
      const other = cremationWith({ certificateNo: 'HH2026-HOLD-2', deceased: { idNumber: '11010519491231002X', birthDate: '1949-12-31', gender: '2' } })
      const held = await post(validCremation)
      expect(held.json.deliveries[0].status).toBe('held')
      await post(other)
      await voidIt()
      await eventually(async () => yibao!.accepted().length >= 1 ? true : undefined, 10_000, 'the other record after its hold')
      await new Promise(resolve => setTimeout(resolve, 1_500))
      expect(yibao!.received.map(m => (m.body as any).certificateNo)).toEqual(['HH2026-HOLD-2'])
      const s = await statusOf()
      expect(delivery(s, 'yibao', 'notice.created', 1).status).toBe('cancelled')
    })
  })

  describe('corroboration by the death medical certificate', () => {
    it('holds a target that requires both sources until the certificate arrives, and says so in the message', async () => {
      const { yibao, minzheng } = await start(['yibao', 'minzheng'], { overrides: { minzheng: { requireCorroboration: true } } })
      const res = await post(validCremation)
      expect(res.json.deliveries.find((d: any) => d.target === 'minzheng')).toMatchObject({ status: 'held', awaiting: 'corroboration' })
      await delivered('yibao', 'notice.created', 1)
      expect(last(yibao!)).toMatchObject({ corroboration: 'cremation' })
      await th!.hub.reconcileNow()
      await new Promise(resolve => setTimeout(resolve, 300))
      expect(minzheng!.received).toHaveLength(0)

      const cert = await call('POST', '/v1/death-certificates', validDeathCertificate())
      expect(cert.statusCode).toBe(201)
      expect(cert.json).toMatchObject({ noticeId: res.json.noticeId, corroboration: 'cremation+certificate' })
      expect(cert.json.released).toHaveLength(1)
      await delivered('minzheng', 'notice.created', 1)
      expect(last(minzheng!)).toMatchObject({ corroboration: 'cremation+certificate', noticeId: res.json.noticeId })
      expect((await statusOf()).corroboration).toBe('cremation+certificate')
      expect(JSON.stringify(cert.json)).not.toContain(validCremation.deceased.idNumber)
    })

    it('retries with the body of the first attempt, even when the certificate arrived in between', async () => {
      const { yibao } = await start(['yibao'], { target: { retry: { baseDelayMs: 100, maxDelayMs: 200, windowMs: 60_000 } } })
      yibao!.setBehaviour(alwaysStatus(503))
      await post(validCremation)
      await eventually(async () => yibao!.received.length >= 1 ? true : undefined, 10_000, 'a first attempt')
      expect((await call('POST', '/v1/death-certificates', validDeathCertificate())).json.corroboration).toBe('cremation+certificate')
      yibao!.setBehaviour(alwaysOk())
      await delivered('yibao', 'notice.created', 1)
      // The same Idempotency-Key must come with the same bytes: a department may check one against the other.
      const bodies = new Set(yibao!.received.map(m => JSON.stringify(m.body)))
      expect(bodies.size).toBe(1)
      expect(new Set(yibao!.received.map(m => m.headers['idempotency-key'])).size).toBe(1)
      expect(last(yibao!)).toMatchObject({ corroboration: 'cremation' })
      expect((await statusOf()).corroboration).toBe('cremation+certificate')
    })

    it('merges a certificate that arrives first: the cremation record starts out corroborated', async () => {
      const { minzheng } = await start(['minzheng'], { overrides: { minzheng: { requireCorroboration: true } } })
      const cert = await call('POST', '/v1/death-certificates', validDeathCertificate())
      expect(cert.json).toMatchObject({ outcome: 'created', corroboration: 'certificate', released: [] })
      const res = await post(validCremation)
      expect(res.statusCode).toBe(201)
      expect(res.json.noticeId).toBe(cert.json.noticeId)
      expect(res.json.deliveries[0].status).toBe('queued')
      await delivered('minzheng', 'notice.created', 1)
      expect(last(minzheng!)).toMatchObject({ corroboration: 'cremation+certificate' })
    })

    it('answers the same certificate again with 200, refuses other content under its number, and refuses a cause of death', async () => {
      await start(['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
      expect((await call('POST', '/v1/death-certificates', validDeathCertificate())).statusCode).toBe(201)
      expect((await call('POST', '/v1/death-certificates', validDeathCertificate())).json.outcome).toBe('duplicate')
      const changed = await call('POST', '/v1/death-certificates', deathCertificateWith({ death: { place: '1' } }))
      expect(changed.statusCode).toBe(409)
      const cause = await call('POST', '/v1/death-certificates', { ...validDeathCertificate(), causeOfDeath: '肺癌' })
      expect(cause.statusCode).toBe(400)
      expect(cause.json.errors[0].pointer).toBe('/causeOfDeath')
    })
  })

  it('never writes personal data to the logs while correcting, voiding and corroborating', async () => {
    await start(['yibao'])
    await post(validCremation)
    await put(corrected)
    await call('POST', '/v1/death-certificates', validDeathCertificate())
    await voidIt()
    const logs = th!.logText()
    for (const secret of [validCremation.deceased.idNumber, validCremation.deceased.name, '建设路8号', '报错了人']) {
      expect(logs).not.toContain(secret)
    }
  })
})
