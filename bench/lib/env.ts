import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { Redis } from 'ioredis'
import { resolveConfig } from '../../src/config/load.js'
import type { HubConfig } from '../../src/config/schema.js'
import type { Engine } from './args.js'
import type { Cleanup } from './cleanup.js'

export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const BENCH_MASTER_KEY = 'b'.repeat(64)
export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789'

/** Where a bench's fresh database lives: a new PostgreSQL database, or a PGlite data dir. */
export interface BenchDatabase {
  engine: Engine
  /** PostgreSQL database name (postgres only). */
  name?: string
  url?: string
  dataDir?: string
}

/**
 * A fresh database for one bench run, removed by `cleanup` (even on failure). PGlite uses a
 * temporary directory on disk rather than `memory://`, like the embedded default does.
 */
export async function freshDatabase (engine: Engine, cleanup: Cleanup): Promise<{ db: BenchDatabase, drop: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'houshi-bench-pglite-'))
    const drop = cleanup.add(`remove ${dataDir}`, async () => { await rm(dataDir, { recursive: true, force: true }) })
    return { db: { engine, dataDir }, drop }
  }
  const name = `houshi_bench_${randomBytes(5).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  // Diagnosis only (not durable!): BENCH_SYNC_COMMIT=off shows how much the WAL flush per commit costs.
  if (process.env.BENCH_SYNC_COMMIT === 'off') await adminQuery(`ALTER DATABASE ${name} SET synchronous_commit = off`)
  const drop = cleanup.add(`drop database ${name}`, async () => { await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  const url = new URL(BENCH_PG_URL)
  url.pathname = `/${name}`
  return { db: { engine, name, url: url.toString() }, drop }
}

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow> (sql: string, params?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL })
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** A unique BullMQ prefix; its keys are deleted by `cleanup`. */
export function freshPrefix (cleanup: Cleanup, label = 'bench'): { prefix: string, drop: () => Promise<void> } {
  const prefix = `houshi-${label}-${randomBytes(5).toString('hex')}`
  const drop = cleanup.add(`delete redis keys ${prefix}:*`, async () => { await deleteKeys(`${prefix}:*`) })
  return { prefix, drop }
}

export async function deleteKeys (pattern: string): Promise<number> {
  const redis = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 3 })
  let deleted = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      if (keys.length > 0) deleted += await redis.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    await redis.quit().catch(() => redis.disconnect())
  }
  return deleted
}

/**
 * Department targets as REST stand-ins. The first three are the sample county's REST
 * departments; 4–7 reuse their mappings under the other departments' codes, to route a
 * record to 7 departments as DESIGN §10 counts them.
 */
const TARGETS: ReadonlyArray<{ code: string, mapping: string }> = [
  { code: 'gongan', mapping: 'gongan-rest-v1' },
  { code: 'yibao', mapping: 'yibao-rest-v1' },
  { code: 'minzheng', mapping: 'minzheng-rest-v1' },
  { code: 'renshe', mapping: 'yibao-rest-v1' },
  { code: 'gongjijin', mapping: 'minzheng-rest-v1' },
  { code: 'canlian', mapping: 'minzheng-rest-v1' },
  { code: 'tuiyi', mapping: 'gongan-rest-v1' }
]

export function targetCodes (count: number): string[] {
  return TARGETS.slice(0, count).map(t => t.code)
}

export interface BenchConfigOptions {
  db: BenchDatabase
  prefix: string
  /** Target code → URL of its sink; targets without one point at a closed port (never called). */
  targets: number
  sinkUrls?: Record<string, string>
  concurrency?: number
  poolSize: number
  logLevel: string
}

/** The hub's config for a bench run, built in code like tests/helpers/test-hub.ts does. */
export function benchConfigInput (o: BenchConfigOptions): Record<string, unknown> {
  return {
    county: { code: '430621', name: '岳阳县', timeZone: 'Asia/Shanghai' },
    http: { host: '127.0.0.1', port: 0 },
    redis: { url: BENCH_REDIS_URL, prefix: o.prefix },
    database: o.db.url !== undefined ? { url: o.db.url, poolSize: o.poolSize } : { dataDir: o.db.dataDir, poolSize: o.poolSize },
    crypto: { keyId: 'k1', masterKey: BENCH_MASTER_KEY },
    // Hourly: no reconciler pass during a measurement.
    reconciler: { cron: '0 0 * * * *' },
    log: { level: o.logLevel },
    targets: TARGETS.slice(0, o.targets).map(t => ({
      code: t.code,
      department: t.code,
      name: t.code,
      transport: 'rest',
      events: ['notice.created'],
      mapping: t.mapping,
      rest: {
        url: o.sinkUrls?.[t.code] ?? 'http://127.0.0.1:9/unused',
        timeoutMs: 10_000,
        auth: { type: 'bearer', token: `token-${t.code}` },
        signingSecret: BENCH_SIGNING_SECRET
      },
      concurrency: o.concurrency ?? 16
    }))
  }
}

export function benchConfig (o: BenchConfigOptions): Readonly<HubConfig> {
  return resolveConfig(benchConfigInput(o), {}, '<bench>')
}
