import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import type { HubConfig } from '../../src/config/schema.js'
import { routeEvent } from '../../src/domain/routing.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { startHub } from '../../src/hub.js'
import type { DispatchItem } from '../../src/queues/dispatcher.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'
import { createPgliteDb } from '../../src/store/pglite.js'
import { createPostgresDb } from '../../src/store/postgres.js'
import { makeCremation } from '../../tests/fixtures/cremation.js'
import type { BenchDatabase } from './env.js'

/** Opens and migrates the bench database in this process. */
export async function openBenchDb (where: BenchDatabase, poolSize = 10): Promise<Db> {
  const db = where.url !== undefined ? createPostgresDb(where.url, poolSize) : await createPgliteDb(where.dataDir!)
  await migrate(db)
  return db
}

/**
 * Stores `count` distinct records the way `POST /v1/cremations` does (validate, then
 * `ingestCremation`: record + deliveries + audit in one transaction) and enqueues their
 * deliveries, without HTTP and with no worker running. Returns the deliveries owed.
 */
export async function preIngest (db: Db, config: Readonly<HubConfig>, count: number, parallel = 8): Promise<{ deliveries: number, seconds: number }> {
  const crypto = createFieldCrypto(parseMasterKey(config.crypto.masterKey!), config.crypto.keyId)
  const targets = routeEvent(config.targets, 'notice.created')
  const now = new Date()
  const items: DispatchItem[] = []
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i = next++; i < count; i = next++) {
      const checked = validateCremation(makeCremation(i), now, { timeZone: config.county.timeZone })
      if (!checked.ok) throw new Error(`makeCremation(${i}) is invalid: ${JSON.stringify(checked.errors)}`)
      const r = await ingestCremation(db, crypto, checked.value, targets, 'funeral-home:bench')
      for (const d of r.deliveries) items.push({ id: d.id, target: d.target })
    }
  }))
  // The hub's own dispatcher (role api: no worker consumes), sharing this database.
  const hub = await startHub(config, { logger: pino({ level: 'silent' }), role: 'api', db })
  try {
    for (let i = 0; i < items.length; i += 1000) await hub.dispatcher.enqueue(items.slice(i, i + 1000))
  } finally {
    await hub.close()
  }
  return { deliveries: items.length, seconds: (performance.now() - started) / 1000 }
}
