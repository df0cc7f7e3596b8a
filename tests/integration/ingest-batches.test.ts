import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/load.js'
import type { CremationRecord } from '../../src/domain/cremation-record.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import { cremationNow, cremationWith, makeCremation, validCremation } from '../fixtures/cremation.js'
import { createTestDb, ENGINES, type TestDb } from '../helpers/databases.js'

/**
 * Records arriving at the same moment share one insert statement. Whatever else is in the batch,
 * each record gets the answer it would get alone: created, duplicate, or conflict.
 */
const crypto = createFieldCrypto(parseMasterKey('e'.repeat(64)), 'k1')
const targets = resolveConfig({
  county: { code: '430621', name: '岳阳县' },
  targets: ['yibao', 'minzheng'].map(code => ({
    code, department: code, name: code, transport: 'rest', events: ['notice.created'], mapping: `${code}-rest-v1`,
    rest: { url: 'http://127.0.0.1:9/x', auth: { type: 'none' }, signingSecret: '0123456789abcdef' }
  }))
}, {}).targets

function record (body: unknown): CremationRecord {
  const checked = validateCremation(body, cremationNow)
  if (!checked.ok) throw new Error(`fixture invalid: ${JSON.stringify(checked.errors)}`)
  return checked.value
}

describe.each(ENGINES)('records stored together in one statement (%s)', (engine) => {
  let t: TestDb
  beforeEach(async () => { t = await createTestDb(engine) })
  afterEach(async () => { await t.drop() })
  const ingest = async (body: unknown) => await ingestCremation(t.db, crypto, record(body), targets, 'test')
  const count = async (table: string): Promise<number> => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n

  it('stores many records posted at once, each with its own deliveries and audit event', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, async (_, i) => await ingest(makeCremation(i + 1))))
    expect(results.every(r => r.outcome === 'created' && r.deliveries.length === 2)).toBe(true)
    expect(new Set(results.map(r => r.noticeId)).size).toBe(40)
    expect(await count('records')).toBe(40)
    expect(await count('deliveries')).toBe(80)
    expect(await count("audit_events WHERE action = 'record.received'")).toBe(40)
  })

  it('answers each record of a batch as it would alone: a resubmission, a conflict and new records together', async () => {
    await ingest(validCremation)
    const conflicting = cremationWith({ deceased: { householdAddress: '别的地址' } })
    const settled = await Promise.allSettled([
      ingest(makeCremation(1)), ingest(validCremation), ingest(conflicting), ingest(makeCremation(2)), ingest(makeCremation(2))
    ])
    expect(settled.map(s => s.status === 'fulfilled' ? s.value.outcome : (s.reason as { code: string }).code)).toEqual([
      'created', 'duplicate', 'HUB_ERR_CERTIFICATE_CONFLICT',
      // The same new record twice in one batch: one is stored, the other answered as its duplicate.
      ...(settled[3]!.status === 'fulfilled' && settled[3].value.outcome === 'created' ? ['created', 'duplicate'] : ['duplicate', 'created'])
    ])
    expect(await count('records')).toBe(3)
  })
})
