import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { queueName, type DeliveryJob } from './names.js'

export interface DispatchItem {
  id: string
  target: string
  /** Wait this long before it may run (a retry due later). */
  delayMs?: number
}

/**
 * Puts deliveries on their target's queue. Only the delivery id travels through Redis: the
 * database holds everything else, so a lost job is recovered by the reconciler.
 */
export interface Dispatcher {
  /** Rejects if Redis has not taken the jobs within `timeoutMs` (default 2 s, for requests). */
  enqueue (items: readonly DispatchItem[], timeoutMs?: number): Promise<void>
  /** The items Redis does not hold a job for (lost to a flush, a failover, a crash). */
  missing (items: readonly DispatchItem[]): Promise<DispatchItem[]>
  queue (target: string): Queue<DeliveryJob>
  /** Resolves once every enqueue started so far has landed or failed. */
  idle (): Promise<void>
  /** Whether `target` is pushed through a queue (feed and batch-file targets are not). */
  handles (target: string): boolean
  close (): Promise<void>
}

/** How long a request may wait for Redis to take its jobs before leaving them to the reconciler. */
const ENQUEUE_TIMEOUT_MS = 2_000

/**
 * While Redis is away, the client keeps every command it is given until Redis is back, however
 * long that is: under load an outage would grow memory without bound. Past this many enqueues
 * waiting so, new ones are refused at once; their deliveries are in the database, and the
 * reconciler enqueues them once Redis answers.
 */
export const MAX_WAITING_ENQUEUES = 100

export class RedisAwayError extends Error {
  override readonly name = 'RedisAwayError'
  constructor () {
    super('Redis 不可用：投递任务由对账任务在 Redis 恢复后补入队列')
  }
}

export function createDispatcher (redis: Redis, prefix: string, targetCodes: readonly string[], onError: (err: Error) => void): Dispatcher {
  const queues = new Map(targetCodes.map(code => [code, new Queue<DeliveryJob>(queueName(code), {
    connection: redis,
    prefix,
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
      // Only infrastructure errors (database unreachable) make a job fail; the department's own
      // failures are retried by the worker itself with the target's policy.
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 }
    }
  })]))

  // BullMQ reports connection trouble as events; the callers see failed calls anyway.
  for (const q of queues.values()) q.on('error', onError)

  function queueOf (target: string): Queue<DeliveryJob> {
    const q = queues.get(target)
    if (q === undefined) throw new Error(`no queue for target ${target}`)
    return q
  }

  async function addAll (items: readonly DispatchItem[]): Promise<void> {
    const byTarget = new Map<string, DispatchItem[]>()
    for (const item of items) {
      const list = byTarget.get(item.target)
      if (list === undefined) byTarget.set(item.target, [item])
      else list.push(item)
    }
    await Promise.all([...byTarget].map(async ([target, list]) => await queueOf(target).addBulk(list.map(item => ({
      name: 'deliver',
      data: { deliveryId: item.id },
      opts: { jobId: item.id, delay: Math.max(0, Math.round(item.delayMs ?? 0)) }
    })))))
  }

  // Requests that commit at about the same time share one addBulk per queue: under load that
  // is one Redis round trip for many records instead of one per record and department.
  let batch: { items: DispatchItem[], done: Promise<void> } | undefined
  // Batches handed to Redis and not yet answered (while it is away: kept in client memory).
  let unanswered = 0
  function enqueueBatched (items: readonly DispatchItem[]): Promise<void> {
    if (batch === undefined) {
      if (redis.status !== 'ready' && unanswered >= MAX_WAITING_ENQUEUES) return Promise.reject(new RedisAwayError())
      const current: { items: DispatchItem[], done?: Promise<void> } = { items: [] }
      current.done = new Promise<void>(resolve => { setImmediate(resolve) }).then(async () => {
        batch = undefined
        unanswered++
        try {
          await addAll(current.items)
        } finally {
          unanswered--
        }
      })
      batch = current as { items: DispatchItem[], done: Promise<void> }
    }
    batch.items.push(...items)
    return batch.done
  }

  // Enqueues still on their way, so a graceful shutdown lets them land before closing.
  const inFlight = new Set<Promise<unknown>>()

  return {
    async enqueue (items, timeoutMs = ENQUEUE_TIMEOUT_MS) {
      if (items.length === 0) return
      // BullMQ waits for a connection indefinitely; the database already owns these deliveries.
      const work = withTimeout(enqueueBatched(items), timeoutMs, 'enqueue')
      inFlight.add(work)
      try {
        await work
      } finally {
        inFlight.delete(work)
      }
    },
    async missing (items) {
      if (items.length === 0) return []
      // The client would keep the look-ups until Redis is back: the pass would hang till then.
      if (redis.status !== 'ready') throw new RedisAwayError()
      const pipeline = redis.pipeline()
      for (const item of items) pipeline.hmget(queueOf(item.target).toKey(item.id), 'timestamp', 'finishedOn')
      const answers = await pipeline.exec()
      const lost: DispatchItem[] = []
      const finished: DispatchItem[] = []
      items.forEach((item, i) => {
        const [timestamp, finishedOn] = (answers?.[i]?.[1] ?? [null, null]) as [string | null, string | null]
        if (timestamp === null) lost.push(item)
        else if (finishedOn !== null) finished.push(item)
      })
      // A finished job (failed on an infrastructure error, say) still holds the id; while the
      // database says the delivery is owed, that job is stale and must make room for a new one.
      await Promise.all(finished.map(async item => await queueOf(item.target).remove(item.id)))
      return [...lost, ...finished]
    },
    queue: queueOf,
    handles: (target) => queues.has(target),
    async idle () {
      await Promise.allSettled([...inFlight])
    },
    async close () {
      await Promise.allSettled([...inFlight])
      await Promise.all([...queues.values()].map(async q => await q.close()))
    }
  }
}

async function withTimeout<T> (work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what} timed out after ${ms} ms (Redis unavailable?)`)) }, ms)
  })
  work.catch(() => {}) // a late failure after the timeout has nobody left to tell
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
