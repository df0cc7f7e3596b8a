import type { AuditEvent } from './audit.js'
import type { Db } from './db.js'
import { OVERTAKEN, OVERTAKEN_STATUS, retireOvertaken } from './overtaken.js'

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
  createdAt: Date
  /** The notice's corroboration when the attempt starts: what the message tells the department. */
  corroboration: 'cremation' | 'certificate' | 'cremation+certificate'
  /** Why the notice was voided, for `notice.voided` messages. */
  voidReason?: string
}

export type ClaimResult =
  | { kind: 'claimed', delivery: ClaimedDelivery }
  /** `dueInMs` is measured by the database's clock, so a worker's own clock skew does not matter. */
  | { kind: 'not-due', dueInMs: number }
  | { kind: 'gone', status: string }

/** Owed and not waiting for a second source; a held delivery is owed from the end of its hold. */
const PENDING = `((status IN ('held', 'queued', 'retrying') OR (status = 'delivering' AND lease_until < now())) AND awaiting IS NULL)`

/**
 * Per (person, department), messages go out in version order (DESIGN §6): a version waits while
 * an older one for the same target may still be on its way (a correction supersedes older ones
 * that have not gone out, so this only waits for an attempt in flight).
 */
const OLDER_IN_FLIGHT = `EXISTS (SELECT 1 FROM deliveries o WHERE o.notice_id = d.notice_id AND o.target = d.target
  AND o.version < d.version AND o.status IN ('held', 'queued', 'retrying', 'delivering'))`

/** How often a delivery waiting for an older version's attempt looks again. */
const BLOCKED_RECHECK_MS = 1_000

/**
 * Takes a delivery for one attempt, if it is still due: pending, its time come, and not held
 * by another worker. The lease lets another worker take over if this one dies mid-attempt.
 */
export async function claimDelivery (db: Db, id: string, leaseMs: number): Promise<ClaimResult> {
  const r = await db.query<{
    id: string, notice_id: string, record_id: string, target: string, department: string, event: string,
    version: number, attempts: number, since_first_ms: number, data: unknown, personal_enc: string,
    corroboration: ClaimedDelivery['corroboration'], void_reason: string | null, created_at: Date
  }>(`WITH c AS (
        UPDATE deliveries d SET status = 'delivering', attempts = attempts + 1,
          lease_until = now() + $2 * interval '1 millisecond',
          first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now()
        WHERE id = $1 AND next_attempt_at <= now() + interval '1 second' AND ${PENDING} AND NOT ${OLDER_IN_FLIGHT}
          AND NOT ${OVERTAKEN}
        RETURNING id, notice_id, record_id, target, department, event, version, attempts, first_attempt_at, created_at)
      SELECT c.*, (extract(epoch FROM now() - c.first_attempt_at) * 1000)::float8 AS since_first_ms, r.data, r.personal_enc,
             n.corroboration, n.void_reason
        FROM c JOIN records r ON r.id = c.record_id JOIN notices n ON n.id = c.notice_id`, [id, leaseMs])
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
        personalEnc: row.personal_enc,
        createdAt: row.created_at,
        corroboration: row.corroboration,
        ...(row.void_reason !== null ? { voidReason: row.void_reason } : {})
      }
    }
  }
  const s = await db.query<{ status: string, awaiting: string | null, due_in_ms: number | null, blocked: boolean, overtaken: boolean }>(
    `SELECT status, awaiting, ${OLDER_IN_FLIGHT} AS blocked, ${OVERTAKEN} AS overtaken,
            (extract(epoch FROM CASE WHEN status = 'delivering' THEN lease_until ELSE next_attempt_at END - now()) * 1000)::float8 AS due_in_ms
       FROM deliveries d WHERE id = $1`, [id])
  const cur = s.rows[0]
  if (cur === undefined) return { kind: 'gone', status: 'missing' }
  // Waiting for a second source: nothing is due until it arrives, and its arrival enqueues anew.
  if (cur.awaiting !== null) return { kind: 'gone', status: `awaiting-${cur.awaiting}` }
  if (cur.overtaken && ['held', 'queued', 'retrying', 'delivering'].includes(cur.status)) {
    // Voided or corrected since it was queued: it never goes out (unless a live holder has it).
    const [retired] = await retireOvertaken(db, { ids: [id] }, 'worker')
    if (retired !== undefined) return { kind: 'gone', status: retired.status }
  }
  if (['held', 'queued', 'retrying', 'delivering'].includes(cur.status)) {
    const due = Math.max(0, Number(cur.due_in_ms ?? 0))
    return { kind: 'not-due', dueInMs: cur.blocked ? Math.max(due, BLOCKED_RECHECK_MS) : due }
  }
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
       UPDATE deliveries d SET status = CASE
           -- Overtaken while this attempt was out: a void cancels it, a newer version supersedes it.
           WHEN $12 = 'retrying' AND ${OVERTAKEN} THEN ${OVERTAKEN_STATUS}
           ELSE $12 END,
         lease_until = NULL, last_error = $8,
         receipt = coalesce($13::jsonb, receipt),
         next_attempt_at = coalesce(now() + $14::float8 * interval '1 millisecond', next_attempt_at),
         delivered_at = CASE WHEN $12 = 'delivered' THEN $4 ELSE delivered_at END, updated_at = now()
       WHERE id = $1 AND status = 'delivering' AND attempts = $2
       RETURNING id, target, status),
     o AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT $4, 'worker', 'delivery.' || u.status, 'delivery:' || u.id, json_build_object('target', u.target, 'reason', 'overtaken')
         FROM u WHERE u.status IN ('superseded', 'cancelled'))
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
