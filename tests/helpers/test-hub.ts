import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { resolveConfig } from '../../src/config/load.js'
import type { HubConfig } from '../../src/config/schema.js'
import { startHub, type Hub } from '../../src/hub.js'
import { createLogger } from '../../src/logger.js'
import { startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { createTestDb, type Engine, type TestDb } from './databases.js'

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const TEST_MASTER_KEY = 'a'.repeat(64)
export const SIGNING_SECRET = 'test-signing-secret-0123456789'

const MAPPING: Record<string, string> = { gongan: 'gongan-rest-v1', yibao: 'yibao-rest-v1', minzheng: 'minzheng-rest-v1' }

export interface TestHubOptions {
  engine: Engine
  /** Department code → the simulator that stands in for it. */
  departments: Record<string, RestDepartmentSim>
  /** Overrides for every target (retry policy, timeouts…). */
  target?: { timeoutMs?: number, retry?: { baseDelayMs: number, maxDelayMs: number, windowMs: number }, concurrency?: number }
  /** Reconciler schedule; tests usually call `reconcileNow` instead. @defaultValue every hour */
  reconcilerCron?: string
  /** Per department: more target settings (holdMinutes, requireCorroboration, events…). */
  overrides?: Record<string, Record<string, unknown>>
  /** More targets as raw config (SOAP, SFTP, feed…), added after the REST departments. */
  extraTargets?: Array<Record<string, unknown>>
  /** Another Redis (e.g. one that does not answer). @defaultValue TEST_REDIS_URL */
  redisUrl?: string
}

export interface TestHub {
  hub: Hub
  config: Readonly<HubConfig>
  testDb: TestDb
  redis: Redis
  /** Every log line the hub wrote, parsed. */
  logs: Array<Record<string, unknown>>
  /** Raw log text, for "this never appears in the logs" assertions. */
  logText: () => string
  close (): Promise<void>
}

/** A real hub on a fresh database and its own Redis key prefix, wired to department simulators. */
export async function startTestHub (options: TestHubOptions): Promise<TestHub> {
  const prefix = `houshi-test-${randomBytes(5).toString('hex')}`
  const config = resolveConfig({
    county: { code: '430621', name: '岳阳县', timeZone: 'Asia/Shanghai' },
    http: { port: 0 },
    redis: { url: options.redisUrl ?? TEST_REDIS_URL, prefix },
    crypto: { keyId: 'k1', masterKey: TEST_MASTER_KEY },
    reconciler: { cron: options.reconcilerCron ?? '0 0 * * * *' },
    log: { level: 'info' },
    targets: [...Object.entries(options.departments).map(([dept, sim]): Record<string, unknown> => ({
      code: dept,
      department: dept,
      name: dept,
      transport: 'rest',
      events: ['notice.created', 'notice.updated', 'notice.voided'],
      mapping: MAPPING[dept],
      rest: {
        url: sim.url,
        timeoutMs: options.target?.timeoutMs ?? 2_000,
        auth: { type: 'bearer', token: `token-${dept}` },
        signingSecret: SIGNING_SECRET
      },
      retry: options.target?.retry ?? { baseDelayMs: 50, maxDelayMs: 200, windowMs: 60_000 },
      concurrency: options.target?.concurrency ?? 4,
      ...options.overrides?.[dept]
    })), ...(options.extraTargets ?? [])]
  }, {})

  const chunks: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, cb) { chunks.push(chunk.toString()); cb() } })
  const logger = createLogger('info', sink)
  const testDb = await createTestDb(options.engine)
  const hub = await startHub(config, { logger, db: testDb.db })
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null })
  return {
    hub,
    config,
    testDb,
    redis,
    get logs () {
      return chunks.join('').split('\n').filter(l => l.length > 0).map(l => JSON.parse(l) as Record<string, unknown>)
    },
    logText: () => chunks.join(''),
    async close () {
      await hub.close()
      await deleteKeys(redis, `${prefix}:*`)
      await redis.quit()
      await testDb.drop()
    }
  }
}

/** Removes this run's keys only: other test files share the Redis server. */
/** A test hub with a REST department simulator (signature checked) for each department code. */
export interface TestHubWithDepartments extends TestHub {
  sims: Record<string, RestDepartmentSim>
}

/** Starts a simulator per department, then a hub delivering to them; `close` ends all of them. */
export async function startHubWithDepartments (
  engine: Engine, departments: readonly string[], options: Partial<TestHubOptions> = {}
): Promise<TestHubWithDepartments> {
  const sims: Record<string, RestDepartmentSim> = {}
  try {
    for (const d of departments) sims[d] = await startRestDepartment({ name: d, signingSecret: SIGNING_SECRET })
    const th = await startTestHub({ engine, departments: sims, ...options })
    return {
      ...th,
      get logs () { return th.logs },
      sims,
      close: async () => {
        await th.close()
        await Promise.all(Object.values(sims).map(async s => await s.close()))
      }
    }
  } catch (err) {
    await Promise.all(Object.values(sims).map(async s => await s.close()))
    throw err
  }
}

export async function deleteKeys (redis: Redis, pattern: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}
