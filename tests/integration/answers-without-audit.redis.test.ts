import { AsyncLocalStorage } from 'node:async_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { cremationWith, validCremation } from '../fixtures/cremation.js'
import type { Db, Transaction } from '../../src/store/db.js'
import { ENGINES } from '../helpers/databases.js'
import { startHubWithDepartments, type TestHubWithDepartments } from '../helpers/test-hub.js'

const CERT = validCremation.certificateNo
const corrected = cremationWith({ deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路8号' } })
/** The same person, reported dead again under another certificate after the first was voided. */
const reportedAgain = cremationWith({ certificateNo: 'YYX-2026-0816' })
const REASON = '家属核实：证号填错，以新证号重报'

/**
 * Records the SQL text of every statement the hub sends while `run` is active, through the
 * very Db object the hub holds (its store functions look `query` and `transaction` up on it
 * at each call). Statements of background work (worker, sealer) run outside and are not seen.
 */
function statementRecorder (db: Db): <T>(run: () => Promise<T>) => Promise<{ result: T, statements: string[] }> {
  const current = new AsyncLocalStorage<string[]>()
  const query = db.query.bind(db)
  const transaction = db.transaction.bind(db)
  const seen = (sql: string): void => { current.getStore()?.push(sql) }
  Object.assign(db, {
    query: async (sql: string, params?: readonly unknown[]) => { seen(sql); return await query(sql, params) },
    transaction: async <T>(fn: (tx: Transaction) => Promise<T>) => await transaction(async (tx) => await fn({
      query: async (sql: string, params?: readonly unknown[]) => { seen(sql); return await tx.query(sql, params) },
      exec: async (sql: string) => { seen(sql); await tx.exec(sql) }
    } as Transaction))
  })
  return async (run) => {
    const statements: string[] = []
    const result = await current.run(statements, run)
    return { result, statements }
  }
}

/** Statements that read `audit_events` (anything but appending to it). */
const readsAudit = (statements: string[]): string[] =>
  statements.filter(sql => sql.replaceAll(/INSERT INTO audit_events/g, '').includes('audit_events'))

describe.each(ENGINES)('repeated requests are answered from the records, not the audit trail (%s)', (engine) => {
  let th: TestHubWithDepartments | undefined

  afterEach(async () => {
    await th?.close()
    th = undefined
  })

  it('answers a repeated report, correction and void as the first time, after a void and a new report too, without reading the audit trail', async () => {
    th = await startHubWithDepartments(engine, ['yibao'], { overrides: { yibao: { holdMinutes: 10 } } })
    const during = statementRecorder(th.testDb.db)
    const seen: string[] = []
    const call = async (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown): Promise<{ statusCode: number, json: any }> => {
      const { result, statements } = await during(async () =>
        await th!.hub.app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) }))
      if (method !== 'GET') seen.push(...statements)
      return { statusCode: result.statusCode, json: result.json() }
    }
    const voidIt = async (cert: string, reason: string) =>
      await call('POST', `/v1/cremations/${cert}/void`, { reason, funeralHome: validCremation.funeralHome.code })

    const first = await call('POST', '/v1/cremations', validCremation)
    expect([first.statusCode, first.json.version]).toEqual([201, 1])
    const again = await call('POST', '/v1/cremations', validCremation)
    expect(again.statusCode).toBe(200)
    expect(again.json).toEqual({ ...first.json, outcome: 'duplicate' })

    const correction = await call('PUT', `/v1/cremations/${CERT}`, corrected)
    expect(correction.json).toMatchObject({ outcome: 'corrected', version: 2, certificateVersion: 2 })
    const correctionAgain = await call('PUT', `/v1/cremations/${CERT}`, corrected)
    expect(correctionAgain.json).toEqual({ ...correction.json, outcome: 'duplicate', superseded: [] })

    const voided = await voidIt(CERT, REASON)
    expect(voided.json).toMatchObject({ outcome: 'voided', version: 3, reason: REASON })
    const voidAgain = await voidIt(CERT, '另一个原因')
    expect(voidAgain.json).toEqual({ ...voided.json, outcome: 'duplicate', cancelled: [] })
    const correctionAfterVoid = await call('PUT', `/v1/cremations/${CERT}`, cremationWith({ deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路9号' } }))
    expect([correctionAfterVoid.statusCode, correctionAfterVoid.json.code]).toEqual([409, 'HUB_ERR_VOIDED'])
    // The corrected content again gets the answer it had, even now the certificate is withdrawn
    // (its deliveries are cancelled since, and say so).
    const late = await call('PUT', `/v1/cremations/${CERT}`, corrected)
    expect(late.json).toMatchObject({ outcome: 'duplicate', version: 2, certificateVersion: 2, noticeId: first.json.noticeId })
    expect(late.json.deliveries.map((d: any) => d.id)).toEqual(correction.json.deliveries.map((d: any) => d.id))

    // The person is reported again under another certificate: the notice's version (4) runs
    // ahead of that certificate's (1), and a repeat must say 4, as the first answer did.
    const report = await call('POST', '/v1/cremations', reportedAgain)
    expect([report.statusCode, report.json.version, report.json.certificateVersion]).toEqual([201, 4, 1])
    const reportAgain = await call('POST', '/v1/cremations', reportedAgain)
    expect(reportAgain.json).toEqual({ ...report.json, outcome: 'duplicate' })
    // A late retry of the old certificate's void gets the first void's answer and leaves the new report standing.
    expect((await voidIt(CERT, REASON)).json).toEqual(voidAgain.json)
    const latePost = await call('POST', '/v1/cremations', corrected)
    expect([latePost.statusCode, latePost.json.outcome, latePost.json.version, latePost.json.certificateVersion]).toEqual([200, 'duplicate', 2, 2])

    expect(seen.length).toBeGreaterThan(0)
    expect(readsAudit(seen)).toEqual([])

    // GET shows the void from the record; its history is the one read of the trail, by entity.
    const { result, statements } = await during(async () => await th!.hub.app.inject({ method: 'GET', url: `/v1/cremations/${CERT}` }))
    const status = result.json()
    expect(status).toMatchObject({ status: 'voided', noticeStatus: 'active', version: 4, voidReason: REASON })
    const voidEvent = status.history.find((h: any) => h.action === 'record.voided')
    expect(status.voidedAt).toBe(voidEvent.at)
    expect(voidEvent.details).toMatchObject({ version: 3, reason: REASON })
    expect(readsAudit(statements)).toHaveLength(1)
    expect(readsAudit(statements)[0]).toMatch(/WHERE entity = ANY/)
  })
})
