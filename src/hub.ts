import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { createDeliverer } from './adapters/index.js'
import { buildApp } from './app.js'
import { connectionError, throttledLog } from './log-throttle.js'
import { MISSING_MASTER_KEY } from './config/load.js'
import type { HubConfig, TargetConfig } from './config/schema.js'
import { isFileMapping, mappingByName, type FileMapping, type Mapping } from './mappings/index.js'
import { deliveryMode } from './queues/delivery-mode.js'
import { createDispatcher, type Dispatcher } from './queues/dispatcher.js'
import type { TargetRuntime } from './queues/process-delivery.js'
import { reconcile } from './queues/reconciler.js'
import { startSftpBatchSchedules } from './queues/sftp-batch.js'
import { startSchedules, type Schedules } from './queues/schedules.js'
import { settlesWithin } from './queues/settles-within.js'
import { startWorkers, type WorkerPool } from './queues/workers.js'
import { createFieldCrypto, MasterKeyError, parseMasterKey } from './security/crypto.js'
import { sealAudit, type ChainHead } from './store/audit.js'
import type { Db } from './store/db.js'
import { openDb } from './store/index.js'

export type Role = 'all' | 'api' | 'worker' | 'scheduler'

/** How long requests and delivery attempts in flight may take to finish at shutdown. */
const DEFAULT_GRACE_MS = 30_000
/** Audit events chained per transaction, and how long one pass of the sealer may keep going. */
const AUDIT_SEAL_BATCH = 5_000
const AUDIT_SEAL_BUDGET_MS = 10_000

export interface HubOptions {
  logger: Logger
  /** Which parts run in this process (DESIGN §3). @defaultValue 'all' */
  role?: Role
  /** Use this database instead of opening the configured one (tests); the caller closes it. */
  db?: Db
}

/** A running hub: the API (not yet listening), workers and schedules, as the role asks. */
export interface Hub {
  app: FastifyInstance
  db: Db
  dispatcher: Dispatcher
  /** One reconciler pass now; returns how many deliveries it re-enqueued. */
  reconcileNow (): Promise<number>
  /** Seals pending audit events into the hash chain now. */
  sealAuditNow (): Promise<number>
  /**
   * Graceful: stop taking requests and jobs, let requests and attempts in flight finish. After
   * `graceMs` (default 30 s) attempts still running are interrupted and become due again, and
   * connections still open are cut, whatever their clients do.
   */
  close (graceMs?: number): Promise<void>
}

/** Builds every part of the hub from a validated config. */
export async function startHub (config: Readonly<HubConfig>, options: HubOptions): Promise<Hub> {
  const { logger, role = 'all' } = options
  if (config.crypto.masterKey === undefined) throw new MasterKeyError(MISSING_MASTER_KEY)
  const crypto = createFieldCrypto(parseMasterKey(config.crypto.masterKey), config.crypto.keyId)
  const targets = enabledTargets(config)
  // Only targets pushed one delivery at a time have queues, workers and deliverers; feed
  // targets are pulled and batch-file targets are written by their cron.
  const queued: TargetRuntime[] = targets.filter(t => deliveryMode(t.config) === 'queue')
    .map(t => ({ ...t, deliverer: createDeliverer(t.config, t.mapping, { timeZone: config.county.timeZone }) }))

  const db = options.db ?? await openDb(config.database)
  // Two connections. The health check fails fast while Redis is away, so /readyz answers 503
  // at once. The queues' connection is patient (BullMQ remembers a failed first handshake for
  // good, so it must never give up); requests never wait for it (the 201 follows the commit and
  // the enqueue lands in the background), and what it could not take the reconciler enqueues.
  const redis = new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 5_000 })
  const redisTrouble = throttledLog(logger, 'warn', 'redis connection error')
  redis.on('error', (err) => { redisTrouble({ err: connectionError(err) }) })
  const queueRedis = new Redis(config.redis.url, { maxRetriesPerRequest: null })
  queueRedis.on('error', () => {}) // reported once, above
  const queueTrouble = throttledLog(logger, 'warn', 'queue error')
  const dispatcher = createDispatcher(queueRedis, config.redis.prefix, queued.map(t => t.config.code),
    (err) => { queueTrouble({ err: connectionError(err) }) })

  const runWorkers = role === 'all' || role === 'worker'
  const workers: WorkerPool | undefined = runWorkers
    ? startWorkers(config.redis.url, config.redis.prefix, {
      db, crypto, logger, targets: new Map(queued.map(t => [t.config.code, t])),
      timeZone: config.county.timeZone, countyCode: config.county.code
    })
    : undefined

  const knownTargets = new Set(queued.map(t => t.config.code))
  const reconcileNow = async (): Promise<number> => await reconcile(db, dispatcher, knownTargets, logger, config.reconciler.batchSize)
  // Declared before anything scheduled can read it (the sealer checks it between batches).
  let closing: Promise<void> | undefined
  const sealAuditNow = async (): Promise<number> => {
    // Batch after batch while they come back full: one batch a pass (5,000 every 30 s) is fewer
    // events than a busy hub writes, and the unsealed backlog would grow for good. Bounded, so a
    // pass ends in time for the next and for shutdown; each batch is its own short transaction.
    const started = Date.now()
    let total = 0
    let head: ChainHead | undefined
    for (;;) {
      const batch = await sealAudit(db, AUDIT_SEAL_BATCH)
      total += batch.sealed
      head = batch.head
      if (batch.sealed < AUDIT_SEAL_BATCH || closing !== undefined || Date.now() - started > AUDIT_SEAL_BUDGET_MS) break
    }
    if (total > 0) logger.info({ auditChainSeq: head.chainSeq, auditChainHash: head.hash, sealed: total }, 'audit events sealed')
    return total
  }
  const runScheduler = role === 'all' || role === 'scheduler'
  const schedules: Schedules | undefined = runScheduler
    ? startSchedules(config.reconciler.cron, { reconcile: reconcileNow, sealAudit: sealAuditNow }, logger)
    : undefined
  // Batch files are written by the scheduler role: one run per target at a time, on its cron.
  const batches: Schedules | undefined = runScheduler
    ? startSftpBatchSchedules(
      targets.filter(t => deliveryMode(t.config) === 'batch' && isFileMapping(t.mapping))
        .map(t => ({ config: t.config, mapping: t.mapping as FileMapping })),
      { db, crypto, timeZone: config.county.timeZone, countyCode: config.county.code }, logger)
    : undefined

  const app = await buildApp(config, {
    db, redis, crypto, dispatcher, logger,
    targets: targets.map(t => t.config),
    workersRunning: () => workers === undefined || workers.running
  })

  return {
    app,
    db,
    dispatcher,
    reconcileNow,
    sealAuditNow,
    close: async (graceMs = DEFAULT_GRACE_MS) => {
      closing ??= (async () => {
        // Workers stop taking jobs at once, not after the API and the schedules have closed
        // (that can take seconds); their attempts in flight finish meanwhile.
        const workersClosed = workers?.close(graceMs)
        // Awaited below; this only keeps an early failure from being reported as unhandled.
        workersClosed?.catch(() => {})
        // Side by side: one after another they could outlast the supervisor's stop deadline.
        await Promise.all([closeHttpWithin(app, graceMs), schedules?.stop(), batches?.stop()])
        await workersClosed
        await Promise.all(queued.map(async t => await t.deliverer.close?.()))
        // Queues and connections close promptly, or are cut if Redis does not answer.
        await settlesWithin(dispatcher.close(), 2_000)
        for (const c of [redis, queueRedis]) {
          if (!await settlesWithin(c.quit(), 1_000)) c.disconnect()
        }
        // Ending connections to a server that stopped answering waits on TCP: do not hang on it.
        if (options.db === undefined && !await settlesWithin(db.close(), 5_000)) logger.warn('database connections did not close in 5 s; leaving them')
      })()
      await closing
    }
  }
}

/**
 * Stops the API: new requests get 503 at once, requests in flight may finish within the grace
 * period. A client that never finishes sending its body would otherwise hold the shutdown for
 * ever (Fastify waits for every open connection), so after the grace period every connection
 * still open is cut.
 */
async function closeHttpWithin (app: FastifyInstance, graceMs: number): Promise<void> {
  const closed = app.close()
  if (await settlesWithin(closed, graceMs)) return
  app.server.closeAllConnections()
  await closed
}

/** An enabled department target with its mapping. */
export interface HubTarget {
  config: TargetConfig
  mapping: Mapping
}

function enabledTargets (config: Readonly<HubConfig>): HubTarget[] {
  // Config validation already proved the mapping exists for every enabled target.
  return config.targets.filter(t => t.enabled).map(t => ({ config: t, mapping: mappingByName(t.mapping)! }))
}
