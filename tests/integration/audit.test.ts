import { afterEach, describe, expect, it } from 'vitest'
import { appendAudit, sealAudit, verifyAudit } from '../../src/store/audit.js'
import { createTestDb, ENGINES, type TestDb } from '../helpers/databases.js'

describe.each(ENGINES)('the hash-chained audit trail (%s)', (engine) => {
  let t: TestDb | undefined
  afterEach(async () => { await t?.drop(); t = undefined })

  const event = (i: number) => ({ actor: 'test', action: 'thing.happened', entity: `thing:${i}`, details: { i, note: '说明' } })

  it('chains events in seal order and verifies the whole chain', async () => {
    t = await createTestDb(engine)
    await appendAudit(t.db, [event(1), event(2)])
    expect((await sealAudit(t.db)).sealed).toBe(2)
    await appendAudit(t.db, [event(3)])
    const { sealed, head } = await sealAudit(t.db)
    expect([sealed, head.chainSeq]).toEqual([1, 3])
    expect((await sealAudit(t.db)).sealed).toBe(0)
    expect(await verifyAudit(t.db)).toEqual({ ok: true, sealed: 3 })
    expect(await verifyAudit(t.db, head)).toEqual({ ok: true, sealed: 3 })
  })

  it('seals in event order across many seals, past the point where the numbers get a second digit', async () => {
    t = await createTestDb(engine)
    await appendAudit(t.db, Array.from({ length: 25 }, (_, i) => event(i + 1)))
    expect((await sealAudit(t.db, 7)).sealed).toBe(7)
    expect((await sealAudit(t.db, 7)).sealed).toBe(7)
    await appendAudit(t.db, Array.from({ length: 10 }, (_, i) => event(i + 26)))
    while ((await sealAudit(t.db, 7)).sealed > 0) { /* until everything is sealed */ }
    expect(await verifyAudit(t.db)).toEqual({ ok: true, sealed: 35 })
    const order = await t.db.query<{ id: string, seq: string }>('SELECT id::text AS id, chain_seq::text AS seq FROM audit_events ORDER BY audit_events.id')
    // The chain follows the events in the order they were written.
    expect(order.rows.map(r => Number(r.seq))).toEqual(Array.from({ length: 35 }, (_, i) => i + 1))
  })

  it('refuses to delete or edit an event', async () => {
    t = await createTestDb(engine)
    await appendAudit(t.db, [event(1)])
    await expect(t.db.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/)
    await expect(t.db.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/)
    await expect(t.db.query(`UPDATE audit_events SET actor = 'mallory'`)).rejects.toThrow(/cannot be changed/)
    await sealAudit(t.db)
    await expect(t.db.query(`UPDATE audit_events SET hash = 'x'`)).rejects.toThrow(/cannot be changed/)
  })

  it('finds an event edited behind the guard\'s back', async () => {
    t = await createTestDb(engine)
    await appendAudit(t.db, [event(1), event(2), event(3)])
    await sealAudit(t.db)
    await t.db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only')
    await t.db.query(`UPDATE audit_events SET details = '{"i":2,"note":"改过"}' WHERE entity = 'thing:2'`)
    const result = await verifyAudit(t.db)
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('hash') })
  })

  it('finds sealed events cut off the end of the chain, given the head recorded in the log', async () => {
    t = await createTestDb(engine)
    await appendAudit(t.db, [event(1), event(2), event(3)])
    const { head } = await sealAudit(t.db)
    await t.db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only')
    await t.db.query(`DELETE FROM audit_events WHERE entity = 'thing:3'`)
    expect(await verifyAudit(t.db)).toEqual({ ok: true, sealed: 2 })
    expect(await verifyAudit(t.db, head)).toMatchObject({ ok: false, reason: expect.stringContaining('recorded head is 3') })
  })
})
