import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { Deliverer } from '../../src/adapters/deliverer.js'
import { resolveConfig } from '../../src/config/load.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { gonganRestMapping } from '../../src/mappings/gongan-rest.js'
import { processDelivery, type WorkerDeps } from '../../src/queues/process-delivery.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import type { Db } from '../../src/store/db.js'
import { cremationNow, validCremation } from '../fixtures/cremation.js'
import { createTestDb, type TestDb } from '../helpers/databases.js'

const crypto = createFieldCrypto(parseMasterKey('c'.repeat(64)), 'k1')
const target = resolveConfig({
  county: { code: '430621', name: '岳阳县' },
  targets: [{
    code: 'gongan', department: 'gongan', name: '公安', transport: 'rest', events: ['notice.created'], mapping: 'gongan-rest-v1',
    rest: { url: 'http://127.0.0.1:9/x', auth: { type: 'none' }, signingSecret: '0123456789abcdef' }
  }]
}, {}).targets[0]!

describe('one delivery attempt, without BullMQ', () => {
  let t: TestDb | undefined
  afterEach(async () => { await t?.drop(); t = undefined })

  async function setup (deliverer: Deliverer, db?: (real: Db) => Db): Promise<{ deps: WorkerDeps, deliveryId: string }> {
    t = await createTestDb('pglite')
    const checked = validateCremation(validCremation, cremationNow)
    if (!checked.ok) throw new Error('fixture invalid')
    const result = await ingestCremation(t.db, crypto, checked.value, [target], 'test')
    const deps: WorkerDeps = {
      db: db === undefined ? t.db : db(t.db),
      crypto,
      targets: new Map([['gongan', { config: target, mapping: gonganRestMapping, deliverer }]]),
      timeZone: 'Asia/Shanghai',
      countyCode: '430621',
      logger: pino({ level: 'silent' })
    }
    return { deps, deliveryId: result.deliveries[0]!.id }
  }

  it('never turns a department\'s acceptance into a failure when recording it fails', async () => {
    const deliverer: Deliverer = { transport: 'rest', deliver: async () => ({ status: 200, ackId: 'A-1', summary: 'HTTP 200' }) }
    const { deps, deliveryId } = await setup(deliverer, real => ({
      ...real,
      query: async (sql, params) => {
        if (sql.includes('INSERT INTO attempts')) throw new Error('connection lost')
        return await real.query(sql, params)
      }
    }))
    await expect(processDelivery(deliveryId, deps)).rejects.toThrow('connection lost')
    const row = await t!.db.query<{ status: string }>('SELECT status FROM deliveries')
    // Still held by this attempt's lease: when it runs out the delivery is sent again with the
    // same idempotency key, never marked retrying or dead for a failure that was ours.
    expect(row.rows).toEqual([{ status: 'delivering' }])
  })

  it('skips a delivery that is no longer due', async () => {
    const deliverer: Deliverer = { transport: 'rest', deliver: async () => ({ status: 200, summary: 'HTTP 200' }) }
    const { deps, deliveryId } = await setup(deliverer)
    expect(await processDelivery(deliveryId, deps)).toEqual({ kind: 'delivered' })
    expect(await processDelivery(deliveryId, deps)).toEqual({ kind: 'skipped', status: 'delivered' })
  })
})
