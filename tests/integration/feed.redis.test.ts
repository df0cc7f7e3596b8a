import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import type { Db } from '../../src/store/db.js'
import { makeCremation } from '../fixtures/cremation.js'
import { ENGINES } from '../helpers/databases.js'
import { SIGNING_SECRET, startTestHub, TEST_MASTER_KEY, type TestHub } from '../helpers/test-hub.js'

const TUIYI_TOKEN = 'tuiyi-token-0123456789'
const CANLIAN_TOKEN = 'canlian-token-0123456789'
const MAX_PAGE = 50

// A JSON mapping stands in for tuiyi-feed-v1, which is written elsewhere; the feed does not care.
const feedTarget = (department: string, token: string, maxPage?: number): Record<string, unknown> => ({
  code: department,
  department,
  name: department,
  transport: 'feed',
  events: ['notice.created'],
  mapping: 'yibao-rest-v1',
  feed: { token, ...(maxPage === undefined ? {} : { maxPage }) }
})

interface Page {
  messages: Array<{ cursor: number, deliveryId: string, noticeId: string, version: number, event: string, idempotencyKey: string, body: any }>
  nextCursor: number
  hasMore: boolean
}

describe.each(ENGINES)('the pull feed of 退役军人事务局 (%s)', (engine) => {
  let th: TestHub
  let gongan: RestDepartmentSim

  beforeAll(async () => {
    gongan = await startRestDepartment({ name: 'gongan', signingSecret: SIGNING_SECRET })
    th = await startTestHub({
      engine,
      departments: { gongan },
      extraTargets: [feedTarget('tuiyi', TUIYI_TOKEN, MAX_PAGE), feedTarget('canlian', CANLIAN_TOKEN)]
    })
  })
  afterAll(async () => {
    await th.close()
    await gongan.close()
  })
  beforeEach(async () => {
    // The audit trail refuses truncation; tests look at the events of their own deliveries.
    await th.testDb.db.exec('TRUNCATE attempts, deliveries, records, notices, feed_cursors')
    gongan.reset()
  })

  const post = async (i: number): Promise<{ noticeId: string, certificateNo: string }> => {
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: makeCremation(i) })
    expect(res.statusCode).toBe(201)
    return res.json()
  }
  const pullRaw = async (query = '', token = TUIYI_TOKEN, department = 'tuiyi') => await th.hub.app.inject({
    method: 'GET', url: `/v1/feeds/${department}${query}`, headers: { authorization: `Bearer ${token}` }
  })
  const pull = async (query = ''): Promise<Page> => {
    const res = await pullRaw(query)
    expect(res.statusCode).toBe(200)
    return res.json()
  }
  const ack = async (cursor: unknown, token = TUIYI_TOKEN) => await th.hub.app.inject({
    method: 'POST', url: '/v1/feeds/tuiyi/ack', headers: { authorization: `Bearer ${token}` }, payload: { cursor }
  })
  const statusOf = async (certificateNo: string, target = 'tuiyi'): Promise<any> => {
    const s = (await th.hub.app.inject({ method: 'GET', url: `/v1/cremations/${certificateNo}` })).json()
    return s.deliveries.find((d: { target: string }) => d.target === target)
  }

  it('serves the records posted, in order, each with its mapped message and idempotency key', async () => {
    const posted = [await post(1), await post(2), await post(3)]
    const page = await pull()
    expect(page.messages.map(m => m.noticeId)).toEqual(posted.map(p => p.noticeId))
    expect(page.messages.map(m => m.body.certificateNo)).toEqual(posted.map(p => p.certificateNo))
    const first = page.messages[0]!
    expect(first).toMatchObject({ version: 1, event: 'notice.created', idempotencyKey: first.deliveryId })
    expect(first.deliveryId).toMatch(/^dlv_/)
    expect(first.body).toMatchObject({ noticeId: posted[0]!.noticeId, name: makeCremation(1).deceased.name, idNumber: makeCremation(1).deceased.idNumber, deathDate: '2026-11-02' })
    const cursors = page.messages.map(m => m.cursor)
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors)
    expect(page).toMatchObject({ nextCursor: cursors[2], hasMore: false })
    // Pulling is not acknowledging: the same messages are served again.
    expect((await pull()).messages.map(m => m.deliveryId)).toEqual(page.messages.map(m => m.deliveryId))
  })

  it('pages with limit and nextCursor, saying when more is waiting', async () => {
    for (let i = 1; i <= 5; i++) await post(i)
    const p1 = await pull('?limit=2')
    const p2 = await pull(`?limit=2&after=${p1.nextCursor}`)
    const p3 = await pull(`?limit=2&after=${p2.nextCursor}`)
    expect([p1, p2, p3].map(p => [p.messages.length, p.hasMore])).toEqual([[2, true], [2, true], [1, false]])
    expect([...p1.messages, ...p2.messages, ...p3.messages].map(m => m.body.certificateNo))
      .toEqual([1, 2, 3, 4, 5].map(i => makeCremation(i).certificateNo))
    expect((await pull(`?after=${p3.nextCursor}`))).toEqual({ messages: [], nextCursor: p3.nextCursor, hasMore: false })
  })

  it('marks what was acknowledged as delivered, with an attempt, a receipt and an audit event, and serves it no more', async () => {
    const posted = [await post(1), await post(2)]
    const page = await pull()
    const res = await ack(page.nextCursor)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ acknowledged: 2, cursor: page.nextCursor })
    expect(await pull()).toMatchObject({ messages: [], hasMore: false })

    const d = await statusOf(posted[0]!.certificateNo)
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastError: null, deliveredAt: expect.any(String), nextAttemptAt: null,
      receipt: { ackId: `feed:${page.nextCursor}`, summary: '已由部门拉取确认' } })
    const ids = page.messages.map(m => m.deliveryId)
    const attempts = await th.testDb.db.query<{ outcome: string }>('SELECT outcome FROM attempts WHERE delivery_id = ANY($1::text[])', [ids])
    expect(attempts.rows.map(a => a.outcome)).toEqual(['delivered', 'delivered'])
    const audit = await th.testDb.db.query<{ actor: string, details: any }>(
      `SELECT actor, details FROM audit_events WHERE action = 'delivery.delivered' AND entity = ANY($1::text[])`, [ids.map(id => `delivery:${id}`)])
    expect(audit.rows).toHaveLength(2)
    expect(audit.rows[0]).toMatchObject({ actor: 'department:tuiyi', details: { target: 'tuiyi', attemptNo: 1, ackId: `feed:${page.nextCursor}` } })
  })

  it('answers the same ack again with 200 and nothing newly acknowledged', async () => {
    await post(1)
    const { nextCursor } = await pull()
    expect((await ack(nextCursor)).json()).toEqual({ acknowledged: 1, cursor: nextCursor })
    const again = await ack(nextCursor)
    expect([again.statusCode, again.json()]).toEqual([200, { acknowledged: 0, cursor: nextCursor }])
    expect((await th.testDb.db.query(`SELECT 1 FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target = 'tuiyi'`)).rowCount).toBe(1)
  })

  it('refuses an ack beyond what was served and leaves unseen messages owed', async () => {
    await post(1)
    await post(2)
    const first = await pull('?limit=1')
    expect(first.hasMore).toBe(true)
    const res = await ack(first.nextCursor + 1)
    expect([res.statusCode, res.json().code]).toEqual([400, 'HUB_ERR_CURSOR_NOT_SERVED'])
    expect(res.json().message).toMatch(/尚未拉取/)
    expect((await ack(999_999_999)).statusCode).toBe(400)
    expect((await pull()).messages).toHaveLength(2)
    expect((await th.testDb.db.query("SELECT 1 FROM deliveries WHERE status = 'delivered' AND target = 'tuiyi'")).rowCount).toBe(0)
  })

  it('never acknowledges a message the department skipped by reading after it', async () => {
    await post(1)
    await post(2)
    // A pull past the end places both messages and serves nothing.
    expect(await pull('?after=999999999')).toEqual({ messages: [], nextCursor: 999_999_999, hasMore: false })
    const placed = await th.testDb.db.query<{ p: string }>(`SELECT feed_seq::text AS p FROM deliveries WHERE target = 'tuiyi' ORDER BY feed_seq`)
    const [p1, p2] = placed.rows.map(r => Number(r.p))
    // A client that guesses the first position reads the second message only…
    const page = await pull(`?after=${p1!}`)
    expect(page.messages.map(m => m.cursor)).toEqual([p2])
    // …and acknowledging up to it leaves the first, never handed out, owed.
    expect((await ack(p2)).json()).toEqual({ acknowledged: 1, cursor: p2 })
    expect((await pull()).messages.map(m => m.cursor)).toEqual([p1])
  })

  it('refuses a missing or wrong token with 401 and another department\'s token with 403', async () => {
    await post(1)
    expect((await th.hub.app.inject({ method: 'GET', url: '/v1/feeds/tuiyi' })).statusCode).toBe(401)
    const wrong = await pullRaw('', 'tuiyi-token-wrong-0000000')
    expect([wrong.statusCode, wrong.json().code]).toEqual([401, 'HUB_ERR_UNAUTHORIZED'])
    expect((await th.hub.app.inject({ method: 'GET', url: '/v1/feeds/tuiyi', headers: { authorization: `Basic ${TUIYI_TOKEN}` } })).statusCode).toBe(401)
    expect((await ack(0, 'nope')).statusCode).toBe(401)
    // Each department reads only its own feed, whichever way round.
    expect((await pullRaw('', CANLIAN_TOKEN, 'tuiyi')).statusCode).toBe(403)
    const other = await pullRaw('', TUIYI_TOKEN, 'canlian')
    expect([other.statusCode, other.json().code]).toEqual([403, 'HUB_ERR_FORBIDDEN'])
    expect((await ack(0, CANLIAN_TOKEN)).statusCode).toBe(403)
    // canlian's own feed holds canlian's deliveries only.
    const own = (await pullRaw('', CANLIAN_TOKEN, 'canlian')).json() as Page
    expect(own.messages).toHaveLength(1)
    expect((await pull()).messages[0]!.deliveryId).not.toBe(own.messages[0]!.deliveryId)
  })

  it('answers 404 for a department that is unknown or has no feed', async () => {
    for (const department of ['nobody', 'gongan', 'minzheng', 'TUIYI', '%20']) {
      const res = await pullRaw('', TUIYI_TOKEN, department)
      expect([department, res.statusCode, res.json().code]).toEqual([department, 404, 'HUB_ERR_FEED_NOT_FOUND'])
    }
  })

  it('answers a bad limit, after or ack body with 400 naming the parameter', async () => {
    for (const [query, name] of [['?limit=0', 'limit'], ['?limit=abc', 'limit'], [`?limit=${MAX_PAGE + 1}`, 'limit'],
      ['?after=-1', 'after'], ['?after=1.5', 'after'], ['?after=1&after=2', 'after']]) {
      const res = await pullRaw(query)
      expect([query, res.statusCode, res.json().code]).toEqual([query, 400, 'HUB_ERR_BAD_PARAMETER'])
      expect(res.json().message).toContain(name)
    }
    expect((await pull(`?limit=${MAX_PAGE}`)).messages).toEqual([])
    for (const body of [{ cursor: 'x' }, { cursor: -1 }, {}, { cursor: 1, extra: true }]) {
      const res = await th.hub.app.inject({ method: 'POST', url: '/v1/feeds/tuiyi/ack', headers: { authorization: `Bearer ${TUIYI_TOKEN}` }, payload: body })
      expect([res.statusCode, res.json().code]).toEqual([400, 'HUB_ERR_SCHEMA'])
    }
  })

  it('serves one person\'s messages in version order even when a later version looks older', async () => {
    const first = await post(1)
    const served = await pull()
    expect((await ack(served.nextCursor)).json().acknowledged).toBe(1)
    const voided = await th.hub.app.inject({
      method: 'POST', url: `/v1/cremations/${first.certificateNo}/void`, payload: { reason: '报错了人', funeralHome: makeCremation(1).funeralHome.code }
    })
    expect(voided.statusCode).toBe(200)
    // The same person reported dead again, under another certificate.
    const again = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: { ...makeCremation(1), certificateNo: 'HH2026-900001' } })
    expect(again.statusCode).toBe(201)
    // As when the report's transaction began before the void's and waited on the notice lock.
    await th.testDb.db.query(
      `UPDATE deliveries SET created_at = created_at - interval '1 minute' WHERE target = 'tuiyi' AND event = 'notice.created' AND version = 3`)
    const page = await pull(`?after=${served.nextCursor}`)
    expect(page.messages.map(m => [m.event, m.version])).toEqual([['notice.voided', 2], ['notice.created', 3]])
  })

  it('gives the corrected record as notice.created to a feed that takes no updates and pulled the first without acknowledging it', async () => {
    const first = await post(1)
    const served = await pull()
    expect(served.messages.map(m => m.version)).toEqual([1])
    const corrected = { ...makeCremation(1), death: { ...makeCremation(1).death, time: '2026-11-01T07:00:00+08:00' } }
    const put = await th.hub.app.inject({ method: 'PUT', url: `/v1/cremations/${first.certificateNo}`, payload: corrected })
    expect(put.statusCode).toBe(200)
    const page = await pull(`?after=${served.nextCursor}`)
    expect(page.messages.map(m => [m.event, m.version])).toEqual([['notice.created', 2]])
  })

  it('serves a message pulled again before its ack as it was first served, though a certificate arrived in between', async () => {
    await post(1)
    const first = await pull()
    expect(first.messages[0]!.body.corroboration).toBe('cremation')
    const c = makeCremation(1)
    const cert = await th.hub.app.inject({
      method: 'POST',
      url: '/v1/death-certificates',
      payload: {
        certificateNo: c.deceased.idNumber,
        deceased: { name: c.deceased.name, gender: c.deceased.gender, idType: '1', idNumber: c.deceased.idNumber, birthDate: c.deceased.birthDate },
        death: { time: c.death.time, place: c.death.place },
        issuer: { creditCode: '124306214487654315', name: '岳阳县荣家湾镇卫生院' },
        issuedAt: c.cremation.time
      }
    })
    expect(cert.json()).toMatchObject({ corroboration: 'cremation+certificate' })
    const again = await pull()
    expect(again.messages.map(m => [m.idempotencyKey, m.body])).toEqual(first.messages.map(m => [m.idempotencyKey, m.body]))
  })

  it('does not answer HEAD, so a probe never marks messages served', async () => {
    const posted = await post(1)
    const head = await th.hub.app.inject({ method: 'HEAD', url: '/v1/feeds/tuiyi', headers: { authorization: `Bearer ${TUIYI_TOKEN}` } })
    expect(head.statusCode).toBe(404)
    expect((await statusOf(posted.certificateNo)).status).toBe('queued')
    expect((await ack(1)).json().code).toBe('HUB_ERR_CURSOR_NOT_SERVED')
  })

  it('serves only what is still owed: not superseded, cancelled or dead deliveries', async () => {
    const posted = [await post(1), await post(2), await post(3)]
    await th.testDb.db.query(`UPDATE deliveries SET status = 'superseded' WHERE target = 'tuiyi' AND notice_id = $1`, [posted[0]!.noticeId])
    await th.testDb.db.query(`UPDATE deliveries SET status = 'cancelled' WHERE target = 'tuiyi' AND notice_id = $1`, [posted[1]!.noticeId])
    const page = await pull()
    expect(page.messages.map(m => m.noticeId)).toEqual([posted[2]!.noticeId])
    expect((await ack(page.nextCursor)).json().acknowledged).toBe(1)
    expect((await statusOf(posted[0]!.certificateNo)).status).toBe('superseded')
  })

  it('makes a message whose record cannot be mapped dead, with the reason, and serves the rest', async () => {
    const bad = await post(1)
    const good = await post(2)
    await th.testDb.db.query(`UPDATE records SET data = jsonb_set(data, '{death,time}', '"not-a-date"') WHERE notice_id = $1`, [bad.noticeId])
    const page = await pull()
    expect(page.messages.map(m => m.noticeId)).toEqual([good.noticeId])
    const d = await statusOf(bad.certificateNo)
    expect(d).toMatchObject({ status: 'dead', attempts: 1, lastError: expect.stringMatching(/^映射失败/) })
    const attempt = await th.testDb.db.query('SELECT outcome, error_class FROM attempts WHERE delivery_id = $1', [d.id])
    expect(attempt.rows).toEqual([{ outcome: 'dead', error_class: 'mapping' }])
    expect(th.logs.some(l => l.msg === 'feed message cannot be mapped; delivery dead' && l.deliveryId === d.id)).toBe(true)
    // Its position was passed over, so acknowledging the page is allowed and leaves it dead.
    expect((await ack(page.nextCursor)).json().acknowledged).toBe(1)
    expect((await statusOf(bad.certificateNo)).status).toBe('dead')
  })

  it.runIf(engine === 'postgres')('does not skip a message whose transaction commits after later ones were served and acknowledged', async () => {
    const crypto = createFieldCrypto(parseMasterKey(TEST_MASTER_KEY), 'k1')
    const checked = validateCremation(makeCremation(1), new Date())
    if (!checked.ok) throw new Error('fixture invalid')
    const tuiyi = th.config.targets.filter(t => t.code === 'tuiyi')
    let insertedNow!: () => void
    let commitNow!: () => void
    const inserted = new Promise<void>(resolve => { insertedNow = resolve })
    const commit = new Promise<void>(resolve => { commitNow = resolve })
    // An ingest that has written its delivery but not committed yet (a slow transaction).
    const late = th.testDb.db.transaction(async (tx) => {
      const inTx = { ...th.testDb.db, query: tx.query.bind(tx) } as Db
      await ingestCremation(inTx, crypto, checked.value, tuiyi, 'funeral-home:test')
      insertedNow()
      await commit
    })
    let early: Page
    try {
      await inserted
      await post(2)
      await post(3)
      early = await pull()
      expect(early.messages.map(m => m.body.certificateNo)).toEqual([2, 3].map(i => makeCremation(i).certificateNo))
      expect((await ack(early.nextCursor)).json().acknowledged).toBe(2)
    } finally {
      // Never leave the transaction open: the next test's TRUNCATE would wait for it.
      commitNow()
      await late
    }
    const after = await pull(`?after=${early.nextCursor}`)
    expect(after.messages.map(m => m.body.certificateNo)).toEqual([makeCremation(1).certificateNo])
    expect((await ack(after.nextCursor)).json().acknowledged).toBe(1)
  })

  it('still pushes to the REST departments of the same hub, and gives the feed target no queue', async () => {
    // A person no other test posts: delivery ids are deterministic, and BullMQ ignores a job id
    // it still holds from an earlier test.
    const posted = await post(4242)
    await gongan.waitFor(sim => sim.accepted().some(m => (m.body as { noticeId?: string }).noticeId === posted.noticeId))
    expect(th.hub.dispatcher.handles('tuiyi')).toBe(false)
    expect(th.hub.dispatcher.handles('gongan')).toBe(true)
    const prefix = th.config.redis.prefix
    expect(await th.redis.keys(`${prefix}:delivery.tuiyi*`)).toEqual([])
    expect((await statusOf(posted.certificateNo)).status).toBe('queued')
    // The reconciler leaves feed deliveries in the database too.
    await th.hub.reconcileNow()
    expect(await th.redis.keys(`${prefix}:delivery.tuiyi*`)).toEqual([])
  })

  it('never writes personal data to its logs while serving and acknowledging', async () => {
    const body = makeCremation(7)
    await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: body })
    const page = await pull()
    await ack(page.nextCursor)
    const logs = th.logText()
    expect(logs).toContain('feed pulled')
    expect(logs).toContain('feed acknowledged')
    for (const secret of [body.deceased.name, body.deceased.idNumber, body.informant!.phone, TUIYI_TOKEN]) expect(logs).not.toContain(secret)
  })
})
