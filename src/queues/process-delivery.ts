import type { Logger } from 'pino'
import type { Deliverer, OutboundMessage, Receipt } from '../adapters/deliverer.js'
import { DeliveryError } from '../adapters/delivery-error.js'
import { attemptTimeoutMs } from '../config/attempt-timeout.js'
import type { EventType, TargetConfig } from '../config/schema.js'
import { mappingContext } from '../mappings/context.js'
import type { Mapping } from '../mappings/mapping.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { FieldCrypto } from '../security/crypto.js'
import type { Db } from '../store/db.js'
import { claimDelivery, finishAttempt, type ClaimedDelivery } from '../store/deliveries.js'
import { openCremation } from '../store/record-codec.js'
import { decideRetry, DEFAULT_RETRY } from './backoff.js'

/** Everything one department target needs to deliver. */
export interface TargetRuntime {
  config: TargetConfig
  mapping: Mapping
  deliverer: Deliverer
}

export interface WorkerDeps {
  db: Db
  crypto: FieldCrypto
  targets: ReadonlyMap<string, TargetRuntime>
  timeZone: string
  countyCode: string
  logger: Logger
  random?: () => number
}

/** What happened; waits are durations, not instants, so worker clocks need not agree. */
export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry', inMs: number }
  | { kind: 'dead', reason: string }
  | { kind: 'not-due', inMs: number }
  | { kind: 'skipped', status: string }

/**
 * How long past the transport timeout a claim holds before another worker may take over. An
 * attempt is aborted at its timeout, so the margin only covers recording its outcome; a longer
 * one only delays the deliveries of a worker that died mid-attempt.
 */
const LEASE_MARGIN_MS = 10_000

/**
 * One attempt at one delivery: claim it if still due, map, send, record the attempt, and say
 * what happens next. A plain function, so it is testable without BullMQ.
 */
export async function processDelivery (deliveryId: string, deps: WorkerDeps, signal?: AbortSignal): Promise<Outcome> {
  const claim = await claimDelivery(deps.db, deliveryId, leaseFor(deps))
  if (claim.kind === 'not-due') return { kind: 'not-due', inMs: claim.dueInMs }
  if (claim.kind === 'gone') return { kind: 'skipped', status: claim.status }
  const d = claim.delivery
  const runtime = deps.targets.get(d.target)
  const startedAt = new Date()
  if (runtime === undefined) {
    // The target was removed from config while deliveries were pending: keep them for ops.
    return await settle(deps, d, startedAt, new DeliveryError(`目标 ${d.target} 未配置或已停用`, true, 'config'))
  }

  let record: CremationRecord
  try {
    record = openCremation(deps.crypto, d)
  } catch {
    // A key this process lacks (rotation, a misconfigured worker) is ours to fix, not the
    // department's fault: keep retrying rather than turning the backlog into dead letters.
    return await settle(deps, d, startedAt, new DeliveryError(`无法解密记录（密钥 ${deps.crypto.keyId}）`, true, 'crypto'))
  }
  let message: OutboundMessage
  try {
    message = buildMessage(d, record, runtime, deps)
  } catch (err) {
    return await settle(deps, d, startedAt, new DeliveryError(`映射失败：${(err as Error).message}`, false, 'mapping', undefined, { cause: err }))
  }
  const requestDigest = deps.crypto.digest(message.json!)
  let receipt: Receipt
  const abortedBeforeSending = signal?.aborted === true
  try {
    // Each adapter bounds its own exchange by the target's timeout; this signal is for shutdown.
    receipt = await runtime.deliverer.deliver(message, signal ?? new AbortController().signal)
  } catch (err) {
    const failure = err instanceof DeliveryError ? err : new DeliveryError(`投递异常：${(err as Error).message}`, true, 'internal', undefined, { cause: err })
    // The digest marks an attempt whose bytes may have reached the department (it then gets
    // corrections and voids); one that certainly sent nothing keeps none.
    const sent = failure.sentNothing || abortedBeforeSending ? undefined : requestDigest
    // Interrupted by our own shutdown: not the department's failure, so no backoff and no
    // count against the retry window; the delivery is due again at once.
    return await settle(deps, d, startedAt, failure, sent, signal?.aborted === true)
  }
  // The department has it. If recording that fails (database away), this throws: the job is
  // retried and the lease decides; the receipt is not turned into a department failure.
  const endedAt = new Date()
  const recorded = await finishAttempt(deps.db, {
    deliveryId: d.id,
    attemptNo: d.attemptNo,
    startedAt,
    endedAt,
    outcome: 'delivered',
    statusCode: receipt.status,
    requestDigest,
    responseSummary: receipt.summary,
    receipt: { ...receipt, at: endedAt.toISOString() },
    audit: { actor: 'worker', action: 'delivery.delivered', entity: `delivery:${d.id}`, details: { target: d.target, attemptNo: d.attemptNo, ackId: receipt.ackId ?? null } }
  })
  if (!recorded) {
    // This attempt outlived its lease and another took the delivery over: the department has
    // the message (the other attempt sends it again under the same key), but this receipt is
    // not on the delivery row. Rare enough, and odd enough, for ops to see.
    deps.logger.error({ deliveryId: d.id, target: d.target, attemptNo: d.attemptNo, ackId: receipt.ackId ?? null }, 'delivered after the lease ran out; receipt not recorded')
    return { kind: 'delivered' }
  }
  // Debug, not info: thousands a second at full speed, and every outcome is in the database and
  // the audit trail already. Failures stay at warn/error.
  deps.logger.debug({ deliveryId: d.id, target: d.target, attemptNo: d.attemptNo, status: receipt.status }, 'delivered')
  return { kind: 'delivered' }
}

function buildMessage (d: ClaimedDelivery, record: CremationRecord, runtime: TargetRuntime, deps: WorkerDeps): OutboundMessage {
  const event = d.event as EventType
  const body = runtime.mapping.map(record, mappingContext(d, deps))
  // The same delivery always carries the same key, across retries, reconciler passes and replays.
  return { deliveryId: d.id, noticeId: d.noticeId, version: d.version, event, idempotencyKey: d.id, createdAt: d.createdAt, body, json: JSON.stringify(body) }
}

/** Records a failed attempt and decides: retry within the target's window, or dead now. */
async function settle (
  deps: WorkerDeps, d: ClaimedDelivery, startedAt: Date, failure: DeliveryError, requestDigest?: string, interrupted = false
): Promise<Outcome> {
  const endedAt = new Date()
  const { retry, delayMs: delay, reason } = decideRetry(failure, {
    attemptNo: d.attemptNo,
    elapsedMs: d.sinceFirstAttemptMs + (endedAt.getTime() - startedAt.getTime()),
    policy: deps.targets.get(d.target)?.config.retry ?? DEFAULT_RETRY,
    interrupted,
    random: deps.random
  })
  const base = {
    deliveryId: d.id, attemptNo: d.attemptNo, startedAt, endedAt, statusCode: failure.status,
    errorClass: failure.errorClass, error: reason, requestDigest
  }
  const log = { deliveryId: d.id, target: d.target, attemptNo: d.attemptNo, errorClass: failure.errorClass, status: failure.status }
  if (retry) {
    await finishAttempt(deps.db, { ...base, outcome: 'retry', retryInMs: delay })
    deps.logger.warn({ ...log, retryInMs: delay }, 'delivery failed, will retry')
    return { kind: 'retry', inMs: delay }
  }
  await finishAttempt(deps.db, {
    ...base,
    outcome: 'dead',
    audit: { actor: 'worker', action: 'delivery.dead', entity: `delivery:${d.id}`, details: { target: d.target, attemptNo: d.attemptNo, errorClass: failure.errorClass, error: reason } }
  })
  deps.logger.error({ ...log, error: reason }, 'delivery dead')
  return { kind: 'dead', reason }
}

function leaseFor (deps: WorkerDeps): number {
  let longest = 10_000
  for (const { config: t } of deps.targets.values()) {
    longest = Math.max(longest, attemptTimeoutMs(t))
  }
  return longest + LEASE_MARGIN_MS
}
