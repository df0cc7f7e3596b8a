import { DelayedError, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { connectionError, throttledLog } from '../log-throttle.js'
import { queueName, type DeliveryJob } from './names.js'
import { settlesWithin } from './settles-within.js'
import { processDelivery, type WorkerDeps } from './process-delivery.js'

const MIN_DELAY_MS = 250
const CLOSE_MARGIN_MS = 2_000
const LOCK_DURATION_MS = 15_000
const STALLED_INTERVAL_MS = 5_000

export interface WorkerPool {
  /**
   * Stops taking jobs and waits for the attempts in flight to finish. Attempts still running
   * after `graceMs` are aborted: each is recorded as an interrupted attempt and its delivery is
   * due again, for this or another process to pick up.
   */
  close (graceMs?: number): Promise<void>
  readonly running: boolean
}

/**
 * One BullMQ worker per enabled target, each with the target's concurrency and rate limit.
 * The processor maps outcomes onto BullMQ: a retry moves the same job to the delayed set for the
 * wait the database recorded; a dead delivery fails without BullMQ retries.
 */
export function startWorkers (redisUrl: string, prefix: string, deps: WorkerDeps): WorkerPool {
  const connections: Redis[] = []
  // One controller per attempt in flight, aborted together at shutdown. (Hundreds of attempts
  // listening on one shared signal made every attempt's clean-up scan all the others.)
  const inFlight = new Set<AbortController>()
  let shuttingDown = false
  const abortAll = (): void => {
    shuttingDown = true
    for (const c of inFlight) c.abort()
  }
  const workers = [...deps.targets.values()].map(({ config }) => {
    // Workers block on Redis and must wait out an outage, never give up: BullMQ's requirement.
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
    connection.on('error', () => {})
    connections.push(connection)
    const worker = new Worker<DeliveryJob>(queueName(config.code), async (job, token) => {
      const attempt = new AbortController()
      if (shuttingDown) attempt.abort()
      inFlight.add(attempt)
      let outcome
      try {
        outcome = await processDelivery(job.data.deliveryId, deps, attempt.signal)
      } finally {
        inFlight.delete(attempt)
      }
      if (outcome.kind === 'retry' || outcome.kind === 'not-due') {
        // At least a moment's pause, so a job that fires early cannot spin.
        await job.moveToDelayed(Date.now() + Math.max(outcome.inMs, MIN_DELAY_MS), token)
        throw new DelayedError()
      }
      if (outcome.kind === 'dead') throw new UnrecoverableError(outcome.reason)
      return outcome.kind
    }, {
      connection,
      prefix,
      concurrency: config.concurrency,
      // A worker that died mid-attempt (kill -9, a lost machine) leaves its jobs active until
      // their lock expires and a stalled check, run twice, gives them back: with BullMQ's
      // defaults (30 s and 30 s) its deliveries waited 60–90 s. The lock is still renewed
      // every 7.5 s, far more often than an event-loop pause of ours lasts.
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      ...(config.rateLimit === undefined ? {} : { limiter: { max: config.rateLimit.max, duration: config.rateLimit.durationMs } })
    })
    // Errors here are connection trouble or our own bugs; the job's own failures are in the DB.
    const trouble = throttledLog(deps.logger, 'error', 'worker error')
    worker.on('error', (err) => { trouble({ err: connectionError(err), target: config.code }) })
    return worker
  })
  let running = true
  return {
    get running () { return running },
    async close (graceMs = 30_000) {
      running = false
      const timer = setTimeout(abortAll, graceMs)
      const closed = Promise.all(workers.map(async w => await w.close()))
      // Attempts end by the grace period (aborted); if BullMQ still waits after that, it waits for
      // a Redis that does not answer: cut the connections rather than hang the shutdown.
      if (!await settlesWithin(closed, graceMs + CLOSE_MARGIN_MS)) {
        for (const c of connections) c.disconnect()
        await settlesWithin(closed, CLOSE_MARGIN_MS)
      }
      clearTimeout(timer)
      // BullMQ leaves connections it was given open; these are ours to end.
      await Promise.all(connections.map(async c => await c.quit().catch(() => c.disconnect())))
    }
  }
}
