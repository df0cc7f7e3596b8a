import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { resolveConfig } from '../../src/config/load.js'
import { startHub } from '../../src/hub.js'
import { createLogger } from '../../src/logger.js'
import type { Db } from '../../src/store/db.js'
import { createPostgresDb } from '../../src/store/postgres.js'
import type { BenchArgs, Engine } from './args.js'
import type { RateResult } from './baselines.js'
import { startChild, type Child } from './child.js'
import type { Cleanup } from './cleanup.js'
import { cpuSnapshot, cpuUsage, formatCpu, isRedis, postgresPids, type Groups } from './cpu.js'
import { benchConfigInput, freshDatabase, freshPrefix } from './env.js'
import { openBenchDb, preIngest } from './preingest.js'
import { waitForQuiet } from './quiet.js'
import { benchRedis, serverDiff, serverSnapshot } from './server-stats.js'
import { fmt, sleep } from './stats.js'
import { startProfiler } from './profiler.js'

/**
 * One timed delivery trial of bench/deliver.ts: a fresh database and Redis prefix, N records
 * pre-ingested with no worker running, then a hub with role `worker` started and timed until
 * the database shows every delivery `delivered`.
 */
interface SinkStats { total: number, firstAt: number, lastAt: number }

async function waitDelivered (db: Db, sinks: Child, expected: number, engine: Engine): Promise<void> {
  let last = -1
  let lastChange = Date.now()
  // Sink counts are cheap to ask for; the database is asked once the sinks have seen everything.
  for (;;) {
    const s = await sinks.call<SinkStats>('stats')
    if (s.total >= expected) break
    if (s.total !== last) { last = s.total; lastChange = Date.now() }
    if (Date.now() - lastChange > 30_000) throw new Error(`stalled: sinks received ${s.total} of ${expected}`)
    await sleep(20)
  }
  for (;;) {
    const r = await db.query<{ delivered: number, other: string }>(
      `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
              string_agg(DISTINCT status, ',') FILTER (WHERE status <> 'delivered') AS other FROM deliveries`)
    const row = r.rows[0]!
    if (row.delivered >= expected) return
    if (Date.now() - lastChange > 30_000) throw new Error(`stalled: ${row.delivered} of ${expected} delivered (others: ${row.other})`)
    await sleep(engine === 'pglite' ? 50 : 10)
  }
}

export async function hubTrial (args: BenchArgs, engine: Engine, concurrency: number, sinks: Child, sinkUrls: Record<string, string>, cleanup: Cleanup): Promise<{ rate: RateResult, cpu: string, other: number, usage: Record<string, number> }> {
  const { db: where, drop: dropDb } = await freshDatabase(engine, cleanup)
  const { prefix, drop: dropKeys } = freshPrefix(cleanup, 'bench-deliver')
  let db = await openBenchDb(where)
  let closed = false
  const redis = benchRedis()
  try {
    const configInput = benchConfigInput({ db: where, prefix, targets: args.targets, sinkUrls, concurrency, poolSize: args.pool, logLevel: args.logLevel })
    const config = resolveConfig(configInput, {}, '<bench>')
    // More worker processes, as `server.ts --role worker --processes N` (PostgreSQL only).
    const extra = engine === 'postgres' ? args.processes - 1 : 0
    const others = await Promise.all(Array.from({ length: extra }, async () => await startChild('./worker-server.ts', cleanup)))
    const pre = await preIngest(db, config, args.records)
    console.log(`    pre-ingested ${args.records} records → ${pre.deliveries} queued deliveries in ${pre.seconds.toFixed(1)} s ` +
      `(${fmt.rate(args.records / pre.seconds)} records/s without HTTP, 8 in parallel)`)
    await sinks.call('reset')
    if (where.url !== undefined) {
      // Reconnect, so PostgreSQL's counters start clean (a backend publishes them when it ends).
      await db.close()
      db = createPostgresDb(where.url, 2)
    }
    const s0 = await serverSnapshot(where.name, redis)
    await waitForQuiet()
    const logger = createLogger(args.logLevel, pino.destination({ dest: '/dev/null', sync: true }))
    const profiler = await startProfiler()
    // The in-process worker's resident memory at its peak (the bench's own share is small and
    // the same in every trial): what a worker needs with this many attempts in flight.
    let peakRss = process.memoryUsage().rss
    const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 100).unref()
    const before = cpuSnapshot()
    const started = performance.now()
    // PGlite is one connection in one process: the worker must share this one.
    const hub = await startHub(config, { logger, role: 'worker', ...(engine === 'pglite' ? { db } : {}) })
    await Promise.all(others.map(async o => await o.call('start', { config: configInput, logLevel: args.logLevel })))
    let seconds: number
    let after: ReturnType<typeof cpuSnapshot>
    let pids: number[]
    try {
      await waitDelivered(db, sinks, pre.deliveries, engine)
      seconds = (performance.now() - started) / 1000
      after = cpuSnapshot()
      pids = where.name === undefined ? [] : await postgresPids(where.name)
      clearInterval(rssTimer)
      await profiler?.save(`hub-worker-${engine}-${concurrency}`)
    } finally {
      clearInterval(rssTimer)
      await hub.close()
      await Promise.all(others.map(async o => await o.stop()))
    }
    const groups: Groups = { 'hub worker': [process.pid, ...others.map(o => o.pid)], sinks: [sinks.pid], postgres: pids, redis: isRedis }
    const usage = cpuUsage(before, after, groups)
    if (where.url !== undefined) {
      await db.close()
      closed = true
    }
    const s1 = await serverSnapshot(where.name, redis)
    for (const line of serverDiff(s0, s1, pre.deliveries, 'delivery')) console.log(`    ${line}`)
    console.log(`    memory: bench process with the hub worker peaked at ${(peakRss / 2 ** 20).toFixed(0)} MiB RSS`)
    return { rate: { count: pre.deliveries, seconds, rate: pre.deliveries / seconds }, cpu: formatCpu(usage), other: usage.other ?? 0, usage }
  } finally {
    await redis.quit().catch(() => redis.disconnect())
    if (!closed) await db.close()
    await dropKeys()
    await dropDb()
  }
}

