import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { Deliverer } from '../../src/adapters/deliverer.js'
import { DeliveryError } from '../../src/adapters/delivery-error.js'
import { resolveConfig } from '../../src/config/load.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { gonganRestMapping } from '../../src/mappings/gongan-rest.js'
import { processDelivery, type WorkerDeps } from '../../src/queues/process-delivery.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import type { Db } from '../../src/store/db.js'
import { receivedTargets } from '../../src/store/notice-lock.js'
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

  it('says so at error level when the department took a message whose lease another attempt had taken over', async () => {
    const lines: Array<Record<string, unknown>> = []
    let takeOver: () => Promise<void> = async () => {}
    const deliverer: Deliverer = {
      transport: 'rest',
      deliver: async () => {
        await takeOver()
        return { status: 200, ackId: 'A-1', summary: 'HTTP 200' }
      }
    }
    const { deps, deliveryId } = await setup(deliverer)
    // As a second worker would, once this attempt's lease ran out: the delivery is claimed again.
    takeOver = async () => { await t!.db.query("UPDATE deliveries SET attempts = attempts + 1, lease_until = now() + interval '1 minute' WHERE id = $1", [deliveryId]) }
    deps.logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })

    expect(await processDelivery(deliveryId, deps)).toEqual({ kind: 'delivered' })
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'delivered after the lease ran out; receipt not recorded', deliveryId, ackId: 'A-1' }))
    const row = await t!.db.query<{ status: string }>('SELECT status FROM deliveries')
    expect(row.rows).toEqual([{ status: 'delivering' }])
  })

  it.each([
    ['a connection that never opened', { sentNothing: true }, false],
    ['a reset mid-exchange', { sentNothing: false }, true]
  ] as const)('counts the department as having the notice after %s only if bytes may have reached it', async (_what, options, received) => {
    const deliverer: Deliverer = { transport: 'rest', deliver: async () => { throw new DeliveryError('网络错误', true, 'network', undefined, options) } }
    const { deps, deliveryId } = await setup(deliverer)
    expect(await processDelivery(deliveryId, deps)).toMatchObject({ kind: 'retry' })
    const attempt = await t!.db.query<{ digest: boolean }>('SELECT request_digest IS NOT NULL AS digest FROM attempts WHERE delivery_id = $1', [deliveryId])
    expect(attempt.rows).toEqual([{ digest: received }])
    const noticeId = (await t!.db.query<{ notice_id: string }>('SELECT notice_id FROM deliveries WHERE id = $1', [deliveryId])).rows[0]!.notice_id
    const told = await t!.db.transaction(async (tx) => [...(await receivedTargets(tx, noticeId)).keys()])
    // Still being retried either way; only the second may have reached 公安 and so is owed a void.
    await t!.db.query("UPDATE deliveries SET status = 'retrying'")
    expect(await t!.db.transaction(async (tx) => [...(await receivedTargets(tx, noticeId)).keys()])).toEqual(received ? ['gongan'] : [])
    expect(told).toEqual(received ? ['gongan'] : [])
  })

  it('keeps no digest for an attempt that shutdown stopped before it was sent', async () => {
    const deliverer: Deliverer = { transport: 'rest', deliver: async () => { throw new DeliveryError('请求被中止', true, 'aborted') } }
    const { deps, deliveryId } = await setup(deliverer)
    const stopped = new AbortController()
    stopped.abort()
    await processDelivery(deliveryId, deps, stopped.signal)
    const attempt = await t!.db.query<{ digest: boolean }>('SELECT request_digest IS NOT NULL AS digest FROM attempts WHERE delivery_id = $1', [deliveryId])
    expect(attempt.rows).toEqual([{ digest: false }])
  })

  it('skips a delivery that is no longer due', async () => {
    const deliverer: Deliverer = { transport: 'rest', deliver: async () => ({ status: 200, summary: 'HTTP 200' }) }
    const { deps, deliveryId } = await setup(deliverer)
    expect(await processDelivery(deliveryId, deps)).toEqual({ kind: 'delivered' })
    expect(await processDelivery(deliveryId, deps)).toEqual({ kind: 'skipped', status: 'delivered' })
  })
})
