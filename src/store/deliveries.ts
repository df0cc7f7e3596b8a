import type { AuditEvent } from './audit.js'
import type { Db } from './db.js'

/** A delivery this worker now holds, with the stored record it carries. */
export interface ClaimedDelivery {
  id: string
  noticeId: string
  recordId: string
  target: string
  department: string
  event: string
  version: number
  /** The number of this attempt (1 for the first). */
  attemptNo: number
  /** Time since the first attempt began, by the database's clock (the retry window's measure). */
  sinceFirstAttemptMs: number
  recordData: unknown
  personalEnc: string
}

export type ClaimResult =
  | { kind: 'claimed', delivery: ClaimedDelivery }
  /** `dueInMs` is measured by the database's clock, so a worker's own clock skew does not matter. */
  | { kind: 'not-due', dueInMs: number }
  | { kind: 'gone', status: string }

const PENDING = `(status IN ('queued', 'retrying') OR (status = 'delivering' AND lease_until < now()))`

/**
 * Takes a delivery for one attempt, if it is still due: pending, its time come, and not held
 * by another worker. The lease lets another worker take over if this one dies mid-attempt.
 */
export async function claimDelivery (db: Db, id: string, leaseMs: number): Promise<ClaimResult> {
  const r = await db.query<{
    id: string, notice_id: string, record_id: string, target: string, department: string, event: string,
    version: number, attempts: number, since_first_ms: number, data: unknown, personal_enc: string
  }>(`WITH c AS (
        UPDATE deliveries SET status = 'delivering', attempts = attempts + 1,
          lease_until = now() + $2 * interval '1 millisecond',
          first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now()
        WHERE id = $1 AND next_attempt_at <= now() + interval '1 second' AND ${PENDING}
        RETURNING id, notice_id, record_id, target, department, event, version, attempts, first_attempt_at)
      SELECT c.*, (extract(epoch FROM now() - c.first_attempt_at) * 1000)::float8 AS since_first_ms, r.data, r.personal_enc
        FROM c JOIN records r ON r.id = c.record_id`, [id, leaseMs])
  const row = r.rows[0]
  if (row !== undefined) {
    return {
      kind: 'claimed',
      delivery: {
        id: row.id,
        noticeId: row.notice_id,
        recordId: row.record_id,
        target: row.target,
        department: row.department,
        event: row.event,
        version: row.version,
        attemptNo: row.attempts,
        sinceFirstAttemptMs: Number(row.since_first_ms),
        recordData: row.data,
        personalEnc: row.personal_enc
      }
    }
  }
  const s = await db.query<{ status: string, due_in_ms: number | null }>(
    `SELECT status, (extract(epoch FROM CASE WHEN status = 'delivering' THEN lease_until ELSE next_attempt_at END - now()) * 1000)::float8 AS due_in_ms
       FROM deliveries WHERE id = $1`, [id])
  const cur = s.rows[0]
  if (cur === undefined) return { kind: 'gone', status: 'missing' }
  if (['queued', 'retrying', 'delivering'].includes(cur.status)) return { kind: 'not-due', dueInMs: Math.max(0, Number(cur.due_in_ms ?? 0)) }
  return { kind: 'gone', status: cur.status }
}

export interface AttemptRecord {
  deliveryId: string
  attemptNo: number
  startedAt: Date
  endedAt: Date
  outcome: 'delivered' | 'retry' | 'dead'
  statusCode?: number
  errorClass?: string
  error?: string
  requestDigest?: string
  responseSummary?: string
  receipt?: unknown
  /** For `retry`: how long after now (by the database's clock) the next attempt is due. */
  retryInMs?: number
  /** For final outcomes: the audit event written in the same statement. */
  audit?: AuditEvent
}

const STATUS_AFTER = { delivered: 'delivered', retry: 'retrying', dead: 'dead' } as const

/**
 * Records one attempt and its consequence for the delivery in a single statement, so the
 * attempt log and the delivery's state can never disagree. Only the holder of the attempt
 * (status `delivering`, same attempt number) can move the delivery on.
 */
export async function finishAttempt (db: Db, a: AttemptRecord): Promise<boolean> {
  const audit = a.audit
  const r = await db.query(
    `WITH a AS (
       INSERT INTO attempts (delivery_id, attempt_no, started_at, ended_at, outcome, status_code, error_class,
         error, duration_ms, request_digest, response_summary)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)),
     u AS (
       UPDATE deliveries SET status = $12, lease_until = NULL, last_error = $8,
         receipt = coalesce($13::jsonb, receipt),
         next_attempt_at = coalesce(now() + $14::float8 * interval '1 millisecond', next_attempt_at),
         delivered_at = CASE WHEN $12 = 'delivered' THEN $4 ELSE delivered_at END, updated_at = now()
       WHERE id = $1 AND status = 'delivering' AND attempts = $2
       RETURNING id)
     INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT $4, 'worker', $15, 'delivery:' || $1, $16::json FROM u WHERE $15::text IS NOT NULL
     RETURNING 1`,
    [a.deliveryId, a.attemptNo, a.startedAt, a.endedAt, a.outcome, a.statusCode ?? null, a.errorClass ?? null,
      a.error ?? null, a.endedAt.getTime() - a.startedAt.getTime(), a.requestDigest ?? null, a.responseSummary ?? null,
      STATUS_AFTER[a.outcome], a.receipt === undefined ? null : JSON.stringify(a.receipt), a.retryInMs ?? null,
      audit?.action ?? null, audit === undefined ? null : JSON.stringify(audit.details)])
  return audit === undefined || r.rowCount > 0
}

/** A delivery the database still owes, for the reconciler to check against Redis. */
export interface PendingDelivery {
  id: string
  target: string
  /** How long until it is due, by the database's clock (0 when due now). */
  dueInMs: number
}

/** Pending deliveries in id order after `afterId` (keyset paging: no OFFSET over a backlog). */
export async function listPending (db: Db, afterId: string, limit: number): Promise<PendingDelivery[]> {
  const r = await db.query<{ id: string, target: string, due_in_ms: number }>(
    `SELECT id, target, greatest(0, extract(epoch FROM next_attempt_at - now()) * 1000)::float8 AS due_in_ms
       FROM deliveries WHERE ${PENDING} AND id > $1 ORDER BY id LIMIT $2`, [afterId, limit])
  return r.rows.map(row => ({ id: row.id, target: row.target, dueInMs: Number(row.due_in_ms) }))
}
