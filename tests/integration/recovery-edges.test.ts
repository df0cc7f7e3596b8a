import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/load.js'
import type { TargetConfig } from '../../src/config/schema.js'
import type { CremationRecord } from '../../src/domain/cremation-record.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { correctCremation } from '../../src/store/corrections.js'
import { getCremationStatus } from '../../src/store/cremation-status.js'
import { ingestCremation } from '../../src/store/cremations.js'
import { claimDelivery, finishAttempt } from '../../src/store/deliveries.js'
import { markFeedServed, placeFeedMessages, readFeed } from '../../src/store/feed.js'
import { voidCremation } from '../../src/store/voids.js'
import { cremationNow, cremationWith, validCremation } from '../fixtures/cremation.js'
import { createTestDb, ENGINES, type TestDb } from '../helpers/databases.js'

/**
 * The edges where a wrong report could outlive its correction or void: an attempt in flight,
 * a worker that died, a feed page read just before a void, a void of a person reported again.
 * Store functions on a real database, no Redis, so every interleaving is set up exactly.
 */
const crypto = createFieldCrypto(parseMasterKey('d'.repeat(64)), 'k1')
const rest = { url: 'http://127.0.0.1:9/x', auth: { type: 'none' }, signingSecret: '0123456789abcdef' }
const config = resolveConfig({
  county: { code: '430621', name: '岳阳县' },
  targets: [
    { code: 'yibao', department: 'yibao', name: '医保', transport: 'rest', events: ['notice.created', 'notice.updated', 'notice.voided'], mapping: 'yibao-rest-v1', rest },
    { code: 'tuiyi', department: 'tuiyi', name: '退役军人', transport: 'feed', events: ['notice.created', 'notice.updated', 'notice.voided'], mapping: 'tuiyi-feed-v1', feed: { token: 'tuiyi-token-0123456789' } }
  ]
}, {})
const [yibao, tuiyi] = config.targets as [TargetConfig, TargetConfig]
const REASON = '家属核实：报错了人'

function record (body = validCremation): CremationRecord {
  const checked = validateCremation(body, cremationNow)
  if (!checked.ok) throw new Error(`fixture invalid: ${JSON.stringify(checked.errors)}`)
  return checked.value
}
const corrected = record(cremationWith({ deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路8号' } }))

describe.each(ENGINES)('recovering from a wrong report at the edges (%s)', (engine) => {
  let t: TestDb
  beforeEach(async () => { t = await createTestDb(engine) })
  afterEach(async () => { await t.drop() })

  const ingest = async (targets: TargetConfig[] = [yibao]) => await ingestCremation(t.db, crypto, record(), targets, 'test')
  const statusOf = async (id: string): Promise<string> =>
    (await t.db.query<{ status: string }>('SELECT status FROM deliveries WHERE id = $1', [id])).rows[0]!.status
  const auditOf = async (id: string): Promise<string[]> =>
    (await t.db.query<{ action: string }>('SELECT action FROM audit_events WHERE entity = $1 ORDER BY id', [`delivery:${id}`])).rows.map(r => r.action)
  const expireLeases = async (): Promise<void> => { await t.db.query("UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE status = 'delivering'") }

  async function send (id: string, outcome: 'delivered' | 'retry' | 'dead', sent = true): Promise<void> {
    const claim = await claimDelivery(t.db, id, 60_000)
    if (claim.kind !== 'claimed') throw new Error(`not claimed: ${JSON.stringify(claim)}`)
    await finish(id, claim.delivery.attemptNo, outcome, sent)
  }
  async function finish (id: string, attemptNo: number, outcome: 'delivered' | 'retry' | 'dead', sent = true): Promise<void> {
    const at = new Date()
    await finishAttempt(t.db, {
      deliveryId: id, attemptNo, startedAt: at, endedAt: at, outcome,
      // A mapping failure never sends anything, so it keeps no digest of bytes sent.
      ...(sent ? { requestDigest: 'digest' } : { errorClass: 'mapping', error: 'mapping failed' }),
      ...(outcome === 'retry' ? { retryInMs: 0 } : {})
    })
  }

  it('never sends a notice after its void when the worker that held it died mid-send', async () => {
    const { deliveries: [v1] } = await ingest()
    expect((await claimDelivery(t.db, v1!.id, 60_000)).kind).toBe('claimed')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    // It may have reached the department before the worker died: it is told of the void.
    expect(voided.deliveries.map(d => [d.target, d.event])).toEqual([['yibao', 'notice.voided']])
    await expireLeases()
    expect(await claimDelivery(t.db, v1!.id, 60_000)).toEqual({ kind: 'gone', status: 'cancelled' })
    expect(await auditOf(v1!.id)).toContain('delivery.cancelled')
    expect((await claimDelivery(t.db, voided.deliveries[0]!.id, 60_000)).kind).toBe('claimed')
  })

  it('never sends an older version after a correction when its attempt comes back as a retry', async () => {
    const { deliveries: [v1] } = await ingest()
    const claim = await claimDelivery(t.db, v1!.id, 60_000)
    if (claim.kind !== 'claimed') throw new Error('not claimed')
    const correction = await correctCremation(t.db, crypto, corrected, [yibao], 'test')
    expect(correction.deliveries.map(d => d.event)).toEqual(['notice.updated'])
    await finish(v1!.id, claim.delivery.attemptNo, 'retry')
    expect(await statusOf(v1!.id)).toBe('superseded')
    expect(await auditOf(v1!.id)).toContain('delivery.superseded')
    // Version order: the update was waiting for v1's attempt; now it goes.
    expect((await claimDelivery(t.db, correction.deliveries[0]!.id, 60_000)).kind).toBe('claimed')
  })

  it('sends a correction as notice.created to a department that was never sent anything, and as notice.updated once bytes left', async () => {
    const { deliveries: [v1] } = await ingest()
    await send(v1!.id, 'dead', false)
    expect((await correctCremation(t.db, crypto, corrected, [yibao], 'test')).deliveries.map(d => d.event)).toEqual(['notice.created'])
  })

  it('sends notice.updated after a refusal: the department saw the older version', async () => {
    const { deliveries: [v1] } = await ingest()
    await send(v1!.id, 'dead', true)
    expect((await correctCremation(t.db, crypto, corrected, [yibao], 'test')).deliveries.map(d => d.event)).toEqual(['notice.updated'])
  })

  it('tells a department of a void and a correction even when its target is disabled or gone from config now', async () => {
    const { deliveries: [v1] } = await ingest()
    await send(v1!.id, 'delivered')
    const correction = await correctCremation(t.db, crypto, corrected, [], 'test')
    expect(correction.deliveries.map(d => [d.target, d.event])).toEqual([['yibao', 'notice.updated']])
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    expect(voided.deliveries.map(d => [d.target, d.event, d.status])).toEqual([['yibao', 'notice.voided', 'queued']])
  })

  it('retries a void with the reason it was first sent with, though the person was reported and voided again meanwhile', async () => {
    const first = await ingest()
    await send(first.deliveries[0]!.id, 'delivered')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    const voidId = voided.deliveries[0]!.id
    // The void's worker takes it, sends, and dies before recording anything.
    const firstTry = await claimDelivery(t.db, voidId, 60_000)
    expect(firstTry.kind === 'claimed' && firstTry.delivery.voidReason).toBe(REASON)
    // Meanwhile the person is reported again, and that report is withdrawn with another reason.
    await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [yibao], 'test')
    await voidCremation(t.db, 'YYX-2026-0999', undefined, '第二次：证号录错', 'test')
    await expireLeases()
    // The retry carries the same key, so it must carry the same reason.
    const retry = await claimDelivery(t.db, voidId, 60_000)
    expect(retry.kind === 'claimed' && retry.delivery.voidReason).toBe(REASON)
  })

  it('lets a person whose report was voided be reported dead again under another certificate', async () => {
    const first = await ingest()
    await send(first.deliveries[0]!.id, 'delivered')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    const again = await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [yibao], 'test')
    expect(again).toMatchObject({ outcome: 'created', noticeId: first.noticeId, version: 3 })
    expect(again.deliveries.map(d => [d.event, d.status])).toEqual([['notice.created', 'queued']])
    // The department restores what it stopped first, then hears of the real death: in order.
    expect((await claimDelivery(t.db, again.deliveries[0]!.id, 60_000)).kind).toBe('not-due')
    await send(voided.deliveries[0]!.id, 'delivered')
    expect((await claimDelivery(t.db, again.deliveries[0]!.id, 60_000)).kind).toBe('claimed')
    const notice = await t.db.query<{ status: string, void_reason: string | null }>('SELECT status, void_reason FROM notices WHERE id = $1', [first.noticeId])
    // Active again; the reason stays for the void message still on its way.
    expect(notice.rows[0]).toEqual({ status: 'active', void_reason: REASON })
    // The same report again is a duplicate, answered as the first time, not a fourth version.
    const twice = await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [yibao], 'test')
    expect(twice).toMatchObject({ outcome: 'duplicate', version: 3, certificateVersion: 1 })
  })

  it('never lets a repeated void or a correction of the voided certificate touch the report that followed it', async () => {
    const first = await ingest()
    await send(first.deliveries[0]!.id, 'delivered')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    const again = await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [yibao], 'test')
    // A client retrying the void of the first certificate (its answer was lost), after the
    // person was reported dead again: the answer is the first void's, and nothing changes.
    const retried = await voidCremation(t.db, validCremation.certificateNo, undefined, '重复提交', 'test')
    expect(retried).toMatchObject({ outcome: 'duplicate', noticeId: first.noticeId, version: voided.version, reason: REASON, cancelled: [] })
    expect(retried.deliveries.map(d => d.id)).toEqual(voided.deliveries.map(d => d.id))
    // Nor is a correction of the voided certificate a new version of the living report.
    await expect(correctCremation(t.db, crypto, corrected, [yibao], 'test')).rejects.toMatchObject({ code: 'HUB_ERR_VOIDED' })
    expect(await statusOf(again.deliveries[0]!.id)).toBe('queued')
    const notice = await t.db.query<{ status: string, version: number }>('SELECT status, version FROM notices WHERE id = $1', [first.noticeId])
    expect(notice.rows[0]).toEqual({ status: 'active', version: again.version })
    const records = await t.db.query<{ document_no: string, status: string }>(
      "SELECT document_no, status FROM records WHERE notice_id = $1 AND kind = 'cremation' ORDER BY received_at", [first.noticeId])
    expect(records.rows).toEqual([
      { document_no: validCremation.certificateNo, status: 'voided' },
      { document_no: 'YYX-2026-0999', status: 'active' }
    ])
  })

  it('does not keep a void waiting for the backoff of an attempt that failed as the void committed', async () => {
    const v1 = (await ingest()).deliveries[0]!
    const claim = await claimDelivery(t.db, v1.id, 60_000)
    expect(claim.kind).toBe('claimed')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    const voidMessage = voided.deliveries[0]!
    // The race: the failed attempt's statement read the notice just before the void committed,
    // so the old version went back to waiting for its backoff instead of being cancelled.
    await t.db.query("UPDATE deliveries SET status = 'retrying', lease_until = NULL, next_attempt_at = now() + interval '10 minutes' WHERE id = $1", [v1.id])
    const first = await claimDelivery(t.db, voidMessage.id, 60_000)
    expect(first).toMatchObject({ kind: 'not-due' })
    expect((first as { dueInMs: number }).dueInMs).toBeLessThanOrEqual(1_000)
    expect(await statusOf(v1.id)).toBe('cancelled')
    expect(await auditOf(v1.id)).toContain('delivery.cancelled')
    expect((await claimDelivery(t.db, voidMessage.id, 60_000)).kind).toBe('claimed')
  })

  it('starts afresh after a void: a department told of the void gets the new report as created, and its void only if it got it', async () => {
    const first = await ingest()
    await send(first.deliveries[0]!.id, 'delivered')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    await send(voided.deliveries[0]!.id, 'delivered')
    const b = record(cremationWith({ certificateNo: 'YYX-2026-0999' }))
    const again = await ingestCremation(t.db, crypto, b, [yibao], 'test')
    // Corrected before 医保 got it: 医保 holds nothing of this person since the void, so the
    // newest version is its first message about the real death, not an update.
    const fixed = record(cremationWith({ certificateNo: 'YYX-2026-0999', deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路8号' } }))
    const correction = await correctCremation(t.db, crypto, fixed, [yibao], 'test')
    expect(correction.deliveries.map(d => [d.target, d.event])).toEqual([['yibao', 'notice.created']])
    expect(await statusOf(again.deliveries[0]!.id)).toBe('superseded')
    // Withdrawn again before it went out: 医保 never had it, so it is told nothing.
    const voidedAgain = await voidCremation(t.db, 'YYX-2026-0999', undefined, REASON, 'test')
    expect(voidedAgain.deliveries).toEqual([])
    expect(await statusOf(correction.deliveries[0]!.id)).toBe('cancelled')
  })

  it('counts a correction\'s remaining hold from the report it corrects, not from a voided one', async () => {
    const held = { ...yibao, holdMinutes: 60 }
    const first = await ingestCremation(t.db, crypto, record(), [held], 'test')
    await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    // The mistaken report was two hours ago; the real one arrives now.
    await t.db.query("UPDATE records SET received_at = received_at - interval '2 hours' WHERE notice_id = $1", [first.noticeId])
    await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [held], 'test')
    const fixed = record(cremationWith({ certificateNo: 'YYX-2026-0999', deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路8号' } }))
    const correction = await correctCremation(t.db, crypto, fixed, [held], 'test')
    expect(correction.deliveries.map(d => [d.event, d.status])).toEqual([['notice.created', 'held']])
    const due = await t.db.query<{ minutes: number }>(
      'SELECT (extract(epoch FROM next_attempt_at - now()) / 60)::float8 AS minutes FROM deliveries WHERE id = $1', [correction.deliveries[0]!.id])
    expect(due.rows[0]!.minutes).toBeGreaterThan(55)
  })

  it('tells a department of a void when an attempt\'s outcome was never recorded, even if a later one sent nothing', async () => {
    const v1 = (await ingest()).deliveries[0]!
    // Sent, but the worker died (or the database went away) before recording the outcome.
    expect((await claimDelivery(t.db, v1.id, 60_000)).kind).toBe('claimed')
    await expireLeases()
    // The next attempt fails before sending anything (the department's server is down).
    const again = await claimDelivery(t.db, v1.id, 60_000)
    if (again.kind !== 'claimed') throw new Error('not claimed')
    await finish(v1.id, again.delivery.attemptNo, 'retry', false)
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    expect(voided.deliveries.map(d => [d.target, d.event])).toEqual([['yibao', 'notice.voided']])
  })

  it('counts a department as still holding the report when the void sent to it went dead', async () => {
    const first = await ingest()
    await send(first.deliveries[0]!.id, 'delivered')
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    // 医保 never got the void: its retry window ran out.
    await send(voided.deliveries[0]!.id, 'dead')
    await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [yibao], 'test')
    // So when the new report is voided too, 医保, which may still act on the first, is told.
    const again = await voidCremation(t.db, 'YYX-2026-0999', undefined, REASON, 'test')
    expect(again.deliveries.map(d => [d.target, d.event])).toEqual([['yibao', 'notice.voided']])
  })

  it('answers a repeated report or correction with the notice version the first answer gave', async () => {
    const first = await ingest()
    await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    const b = record(cremationWith({ certificateNo: 'YYX-2026-0999' }))
    const created = await ingestCremation(t.db, crypto, b, [yibao], 'test')
    expect(created).toMatchObject({ noticeId: first.noticeId, version: 3, certificateVersion: 1 })
    expect(await ingestCremation(t.db, crypto, b, [yibao], 'test')).toMatchObject({ outcome: 'duplicate', version: 3, certificateVersion: 1 })
    const fixed = record(cremationWith({ certificateNo: 'YYX-2026-0999', deceased: { householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设路8号' } }))
    const corrected = await correctCremation(t.db, crypto, fixed, [yibao], 'test')
    expect(corrected).toMatchObject({ outcome: 'corrected', version: 4, certificateVersion: 2 })
    expect(await correctCremation(t.db, crypto, fixed, [yibao], 'test')).toMatchObject({ outcome: 'duplicate', version: 4, certificateVersion: 2 })
  })

  it('shows each certificate its own deliveries and its own void when the person was reported again', async () => {
    const first = await ingest()
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    const again = await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0999' })), [yibao], 'test')
    const a = await getCremationStatus(t.db, validCremation.certificateNo)
    expect(a).toMatchObject({ status: 'voided', noticeStatus: 'active', voidReason: REASON })
    expect(a.deliveries.map(d => d.id).sort()).toEqual([first.deliveries[0]!.id, ...voided.deliveries.map(d => d.id)].sort())
    const b = await getCremationStatus(t.db, 'YYX-2026-0999')
    expect(b).toMatchObject({ status: 'active', noticeStatus: 'active', voidReason: null, voidedAt: null })
    expect(b.deliveries.map(d => d.id)).toEqual(again.deliveries.map(d => d.id))
  })

  it('hands claims that committed to their callers even when explaining the others fails', async () => {
    const a = (await ingest()).deliveries[0]!
    const b = (await ingestCremation(t.db, crypto, record(cremationWith({ certificateNo: 'YYX-2026-0777', deceased: { idNumber: '11010519491231002X', birthDate: '1949-12-31' } })), [yibao], 'test')).deliveries[0]!
    await t.db.query("UPDATE deliveries SET next_attempt_at = now() + interval '1 hour' WHERE id = $1", [b.id])
    let failed = false
    // The same database, failing once on the look-up that explains unclaimed deliveries.
    const flaky = {
      ...t.db,
      query: async (sql: string, params?: unknown[]) => {
        if (!failed && sql.includes('AS blocked')) { failed = true; throw new Error('connection reset') }
        return await t.db.query(sql, params)
      }
    } as typeof t.db
    const [ca, cb] = await Promise.all([claimDelivery(flaky, a.id, 60_000), claimDelivery(flaky, b.id, 60_000)])
    expect(failed).toBe(true)
    expect(ca.kind).toBe('claimed')
    expect(cb.kind).toBe('not-due')
  })

  it('does not hand out a feed message voided after the page was read', async () => {
    const { deliveries } = await ingest([tuiyi])
    await placeFeedMessages(t.db, 'tuiyi', 10)
    const page = await readFeed(t.db, 'tuiyi', 0, 10)
    expect(page.map(r => r.deliveryId)).toEqual([deliveries[0]!.id])
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    expect(voided.deliveries).toEqual([])
    expect(await markFeedServed(t.db, 'tuiyi', page.map(r => ({ id: r.deliveryId, corroboration: r.corroboration, voidReason: r.voidReason })), page.at(-1)!.position, new Date())).toEqual(new Map())
  })

  it('answers two pulls at once with what the first served, though a certificate arrived between them', async () => {
    const { deliveries } = await ingest([tuiyi])
    await placeFeedMessages(t.db, 'tuiyi', 10)
    const pageA = await readFeed(t.db, 'tuiyi', 0, 10)
    await t.db.query("UPDATE notices SET corroboration = 'cremation+certificate'")
    const pageB = await readFeed(t.db, 'tuiyi', 0, 10)
    expect([pageA[0]!.corroboration, pageB[0]!.corroboration]).toEqual(['cremation', 'cremation+certificate'])
    const served = (page: typeof pageA) => page.map(r => ({ id: r.deliveryId, corroboration: r.corroboration, voidReason: r.voidReason }))
    expect(await markFeedServed(t.db, 'tuiyi', served(pageA), pageA.at(-1)!.position, new Date())).toEqual(new Map([[deliveries[0]!.id, { id: deliveries[0]!.id, corroboration: 'cremation', voidReason: null }]]))
    // The second pull must rebuild its message with this, not serve its own.
    expect(await markFeedServed(t.db, 'tuiyi', served(pageB), pageB.at(-1)!.position, new Date())).toEqual(new Map([[deliveries[0]!.id, { id: deliveries[0]!.id, corroboration: 'cremation', voidReason: null }]]))
  })

  it('tells the department of a void when the feed message was handed out before it', async () => {
    const { deliveries } = await ingest([tuiyi])
    await placeFeedMessages(t.db, 'tuiyi', 10)
    const page = await readFeed(t.db, 'tuiyi', 0, 10)
    expect(await markFeedServed(t.db, 'tuiyi', page.map(r => ({ id: r.deliveryId, corroboration: r.corroboration, voidReason: r.voidReason })), page.at(-1)!.position, new Date())).toEqual(new Map([[deliveries[0]!.id, { id: deliveries[0]!.id, corroboration: 'cremation', voidReason: null }]]))
    const voided = await voidCremation(t.db, validCremation.certificateNo, undefined, REASON, 'test')
    expect(voided.deliveries.map(d => [d.target, d.event])).toEqual([['tuiyi', 'notice.voided']])
  })
})
