import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { deleteKeys, TEST_REDIS_URL } from '../../helpers/test-hub.js'
import { FAULTS_MASTER_KEY, hubConfig, type ScenarioConfigOptions } from './config.js'
import { createScenarioDatabase, pgliteDeliveryStatuses, postgresDeliveryStatuses, type ScenarioDatabase } from './database.js'
import { startDepartments, type Departments, type DeliveryFigures } from './departments.js'
import { sleep, startHubProcess, type HubProcess } from './hub-process.js'
import type { AcknowledgedRecord } from './poster.js'

/** Statuses in which the database owes a department nothing more. */
const SETTLED = new Set(['delivered', 'dead', 'superseded', 'cancelled'])

/**
 * One scenario's world, wired together: counting departments, a database of its own (a new
 * database on PostgreSQL, or an embedded one's directory that outlives every restart), a Redis
 * key prefix of its own, and the hub process. `close()` undoes all of it, in reverse.
 */
export interface ScenarioOptions {
  engine: 'postgres' | 'pglite'
  /** Target codes of the counting REST departments. @defaultValue ['gongan', 'yibao', 'minzheng'] */
  departments?: string[]
  /** The PostgreSQL server to create the database on (a cluster the test controls). */
  postgresServerUrl?: string
  /** @defaultValue TEST_REDIS_URL */
  redisUrl?: string
  config?: Omit<ScenarioConfigOptions, 'departments' | 'dataDir' | 'prefix'>
  args?: string[]
}

export interface Scenario {
  hub: HubProcess
  departments: Departments
  /** Deliveries by status; on PGlite only once the hub has stopped. */
  deliveryStatuses (): Promise<Record<string, number>>
  /**
   * Waits until the database owes nothing (every delivery delivered, dead, superseded or
   * cancelled), then stops the hub and returns the deliveries by status. On PGlite, whose files
   * only the hub may open, it stops the hub to look and starts it again while something is owed.
   */
  settle (timeoutMs: number): Promise<Record<string, number>>
  /**
   * The end of every scenario: waits until the departments have every acknowledged record
   * (`catchUpMs` from `since`, when the fault ended), then until the database owes nothing
   * (`settledMs`, see `settle`; it stops the hub), and returns the figures counted after that,
   * so that repeats sent while the database caught up are counted too.
   */
  finish (acked: readonly AcknowledgedRecord[], o: { since: number, timeoutMs: number }): Promise<{ figures: DeliveryFigures & { settledMs?: number }, statuses: Record<string, number> }>
  close (): Promise<void>
}

export async function startScenario (o: ScenarioOptions): Promise<Scenario> {
  const cleanups: Array<() => Promise<void> | void> = []
  const close = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try { await c() } catch (err) { console.warn(`[faults] cleanup failed: ${(err as Error).message}`) }
    }
  }
  try {
    const departments = await startDepartments(o.departments ?? ['gongan', 'yibao', 'minzheng'])
    cleanups.push(async () => { await departments.close() })
    const redisUrl = o.redisUrl ?? TEST_REDIS_URL
    let database: ScenarioDatabase | undefined
    let dataDir: string | undefined
    if (o.engine === 'postgres') {
      database = await createScenarioDatabase(o.postgresServerUrl)
      cleanups.push(async () => { await database!.drop() })
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'hub-faults-pglite-'))
      dataDir = join(dir, 'pglite')
      cleanups.push(() => { rmSync(dir, { recursive: true, force: true }) })
    }
    const { text, prefix } = hubConfig({ ...o.config, departments: departments.urls, ...(dataDir !== undefined ? { dataDir } : {}) })
    cleanups.push(async () => {
      // Only this scenario's keys: a private Redis may be gone already, then there is nothing to do.
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true })
      redis.on('error', () => {})
      try {
        await redis.connect()
        await deleteKeys(redis, `${prefix}:*`)
      } catch {} finally { redis.disconnect() }
    })
    const hub = await startHubProcess({
      config: text,
      env: {
        HUB_MASTER_KEY: FAULTS_MASTER_KEY,
        REDIS_URL: redisUrl,
        ...(database !== undefined ? { DATABASE_URL: database.url } : {})
      },
      ...(o.args !== undefined ? { args: o.args } : {})
    })
    cleanups.push(async () => { await hub.stop() })
    await hub.waitReady()
    const deliveryStatuses = async (): Promise<Record<string, number>> => database !== undefined
      ? await postgresDeliveryStatuses(database.url)
      : await pgliteDeliveryStatuses(dataDir!)
    let settledAt = 0
    const settle = async (timeoutMs: number): Promise<Record<string, number>> => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (database === undefined) await hub.stop()
        const statuses = await deliveryStatuses()
        if (Object.keys(statuses).every(s => SETTLED.has(s)) || Date.now() > deadline) {
          settledAt = Date.now()
          await hub.stop()
          return statuses
        }
        if (database === undefined) await hub.restart()
        await sleep(database === undefined ? 5_000 : 250)
      }
    }
    return {
      hub,
      departments,
      deliveryStatuses,
      settle,
      async finish (acked, { since, timeoutMs }) {
        const caughtUp = await departments.waitDelivered(acked, { since, timeoutMs })
        // Nothing to wait for if something never arrived: look at where the deliveries stand.
        const statuses = await settle(caughtUp.missing === 0 ? timeoutMs : 0)
        const settledMs = settledAt - since
        return { figures: { ...departments.figures(acked), catchUpMs: caughtUp.catchUpMs, ...(caughtUp.missing === 0 ? { settledMs } : {}) }, statuses }
      },
      close
    }
  } catch (err) {
    await close()
    throw err
  }
}
