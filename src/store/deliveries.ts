import type { AuditEvent } from './audit.js'
import type { Db } from './db.js'
import { OLDER_IN_FLIGHT, OVERTAKEN, OVERTAKEN_STATUS, retireOvertaken } from './overtaken.js'
import { FIX_SENT_FACTS, FIXED_FACTS_OF_C } from './sent-facts.js'
import { perHandle, tickBatcher } from './tick-batcher.js'

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
  /** The notice's corroboration when the first attempt started: what every attempt's message says. */
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

/** How often a delivery waiting for an older version's attempt looks again. */
const BLOCKED_RECHECK_MS = 1_000

/**
 * Takes a delivery for one attempt, if it is still due: pending, its time come, and not held
 * by another worker. The lease lets another worker take over if this one dies mid-attempt.
 * Claims made at about the same time share one statement.
 */
export async function claimDelivery (db: Db, id: string, leaseMs: number): Promise<ClaimResult> {
  return await claimBatcher(db)({ id, leaseMs })
}

const claimBatcher = perHandle((db: Db) => tickBatcher(async (items: ReadonlyArray<{ id: string, leaseMs: number }>) =>
  await claimMany(db, items.map(i => i.id), Math.max(...items.map(i => i.leaseMs)))))

interface ClaimRow {
  id: string, notice_id: string, record_id: string, target: string, department: string, event: string,
  version: number, attempts: number, since_first_ms: number, data: unknown, personal_enc: string,
  corroboration: ClaimedDelivery['corroboration'], void_reason: string | null, created_at: Date
}

/** Claims what is due among `ids` in one statement, and says for each of the others why not. */
async function claimMany (db: Db, ids: readonly string[], leaseMs: number): Promise<ClaimResult[]> {
  const r = await db.query<ClaimRow>(
    `WITH c AS (
        UPDATE deliveries d SET status = 'delivering', attempts = attempts + 1,
          lease_until = now() + $2 * interval '1 millisecond',
          first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now(),
          -- Fixed by the first attempt: every retry carries the same body under the same key.
          ${FIX_SENT_FACTS}
        WHERE id = ANY($1::text[]) AND next_attempt_at <= now() + interval '1 second' AND ${PENDING}
          AND NOT ${OLDER_IN_FLIGHT} AND NOT ${OVERTAKEN}
        RETURNING id, notice_id, record_id, target, department, event, version, attempts, first_attempt_at, created_at, sent_corroboration, sent_void_reason)
      SELECT c.*, (extract(epoch FROM now() - c.first_attempt_at) * 1000)::float8 AS since_first_ms, r.data, r.personal_enc,
             ${FIXED_FACTS_OF_C}
        FROM c JOIN records r ON r.id = c.record_id`,
    // Sorted: concurrent batches lock rows in one order.
    [[...new Set(ids)].sort(), leaseMs])
  const claimed = new Map(r.rows.map(row => [row.id, row]))
  // The same id twice (a duplicated job): only the first caller holds the claim.
  const results: Array<ClaimResult | undefined> = ids.map(id => {
    const row = claimed.get(id)
    if (row === undefined) return undefined
    claimed.delete(id)
    return { kind: 'claimed', delivery: toClaimed(row) }
  })
  const others = ids.filter((_, i) => results[i] === undefined)
  if (others.length === 0) return results as ClaimResult[]
  let why: Map<string, ClaimResult>
  try {
    why = await whyNotClaimed(db, others)
  } catch {
    // The claims above are committed and must reach their callers: failing the batch now would
    // have it retried item by item and the claimed ones answered "not due" for a whole lease.
    // The others are simply looked at again shortly.
    why = new Map(others.map(id => [id, { kind: 'not-due', dueInMs: BLOCKED_RECHECK_MS }]))
  }
  return results.map((res, i) => res ?? why.get(ids[i]!) ?? { kind: 'gone', status: 'missing' })
}

function toClaimed (row: ClaimRow): ClaimedDelivery {
  return {
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

/** For deliveries a claim did not take: not due yet (and when), or gone for good (and why). */
async function whyNotClaimed (db: Db, ids: readonly string[]): Promise<Map<string, ClaimResult>> {
  const s = await db.query<{ id: string, status: string, awaiting: string | null, due_in_ms: number | null, blocked: boolean, overtaken: boolean }>(
    `SELECT id, status, awaiting, ${OLDER_IN_FLIGHT} AS blocked, ${OVERTAKEN} AS overtaken,
            (extract(epoch FROM CASE WHEN status = 'delivering' THEN lease_until ELSE next_attempt_at END - now()) * 1000)::float8 AS due_in_ms
       FROM deliveries d WHERE id = ANY($1::text[])`, [[...new Set(ids)]])
  const out = new Map<string, ClaimResult>()
  const overtaken = s.rows.filter(cur => cur.awaiting === null && cur.overtaken && OWED.includes(cur.status)).map(cur => cur.id)
  // Voided or corrected since it was queued: it never goes out (unless a live holder has it).
  const retired = overtaken.length === 0 ? [] : await retireOvertaken(db, { ids: overtaken }, 'worker')
  // Waiting behind an older version that was overtaken but not retired: its attempt failed just
  // as the void or correction committed and it went back to waiting for a backoff of up to
  // minutes. It will never go out; retire it now rather than when its own job comes round.
  const blocked = s.rows.filter(cur => cur.blocked && !cur.overtaken).map(cur => cur.id)
  if (blocked.length > 0) await retireOvertaken(db, { olderThan: blocked }, 'worker')
  for (const r of retired) out.set(r.id, { kind: 'gone', status: r.status })
  for (const cur of s.rows) {
    if (out.has(cur.id)) continue
    // Waiting for a second source: nothing is due until it arrives, and its arrival enqueues anew.
    if (cur.awaiting !== null) out.set(cur.id, { kind: 'gone', status: `awaiting-${cur.awaiting}` })
    else if (OWED.includes(cur.status)) {
      const due = Math.max(0, Number(cur.due_in_ms ?? 0))
      out.set(cur.id, { kind: 'not-due', dueInMs: cur.blocked ? Math.max(due, BLOCKED_RECHECK_MS) : due })
    } else out.set(cur.id, { kind: 'gone', status: cur.status })
  }
  return out
}

const OWED = ['held', 'queued', 'retrying', 'delivering']

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
 * (status `delivering`, same attempt number) can move the delivery on. Attempts finishing at
 * about the same time share one statement.
 * @returns false when an audit event was asked for but the delivery had moved on (not recorded)
 */
export async function finishAttempt (db: Db, a: AttemptRecord): Promise<boolean> {
  return await finishBatcher(db)(a)
}

const finishBatcher = perHandle((db: Db) => tickBatcher(async (items: readonly AttemptRecord[]) => await finishMany(db, items)))

async function finishMany (db: Db, items: readonly AttemptRecord[]): Promise<boolean[]> {
  const col = <T>(f: (a: AttemptRecord) => T): T[] => items.map(f)
  const r = await db.query<{ id: string, attempt_no: number }>(
    `WITH v AS (
       SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::int[], $7::text[],
           $8::text[], $9::int[], $10::text[], $11::text[], $12::text[], $13::text[], $14::float8[], $15::text[], $16::text[])
         AS v(delivery_id, attempt_no, started_at, ended_at, outcome, status_code, error_class,
           error, duration_ms, request_digest, response_summary, status_after, receipt, retry_in_ms, audit_action, audit_details)),
     a AS (
       INSERT INTO attempts (delivery_id, attempt_no, started_at, ended_at, outcome, status_code, error_class,
         error, duration_ms, request_digest, response_summary)
       SELECT delivery_id, attempt_no, started_at, ended_at, outcome, status_code, error_class,
         error, duration_ms, request_digest, response_summary FROM v),
     u AS (
       UPDATE deliveries d SET status = CASE
           -- Overtaken while this attempt was out: a void cancels it, a newer version supersedes it.
           WHEN v.status_after = 'retrying' AND ${OVERTAKEN} THEN ${OVERTAKEN_STATUS}
           ELSE v.status_after END,
         lease_until = NULL, last_error = v.error,
         receipt = coalesce(v.receipt::jsonb, d.receipt),
         next_attempt_at = coalesce(now() + v.retry_in_ms * interval '1 millisecond', d.next_attempt_at),
         delivered_at = CASE WHEN v.status_after = 'delivered' THEN v.ended_at ELSE d.delivered_at END, updated_at = now()
       FROM v WHERE d.id = v.delivery_id AND d.status = 'delivering' AND d.attempts = v.attempt_no
       RETURNING d.id, d.target, d.status, v.attempt_no, v.ended_at, v.audit_action, v.audit_details),
     o AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT u.ended_at, 'worker', 'delivery.' || u.status, 'delivery:' || u.id, json_build_object('target', u.target, 'reason', 'overtaken')
         FROM u WHERE u.status IN ('superseded', 'cancelled')),
     e AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT u.ended_at, 'worker', u.audit_action, 'delivery:' || u.id, u.audit_details::json FROM u WHERE u.audit_action IS NOT NULL)
     SELECT id, attempt_no FROM u`,
    [col(a => a.deliveryId), col(a => a.attemptNo), col(a => a.startedAt), col(a => a.endedAt), col(a => a.outcome),
      col(a => a.statusCode ?? null), col(a => a.errorClass ?? null), col(a => a.error ?? null),
      col(a => a.endedAt.getTime() - a.startedAt.getTime()), col(a => a.requestDigest ?? null), col(a => a.responseSummary ?? null),
      col(a => STATUS_AFTER[a.outcome]), col(a => a.receipt === undefined ? null : JSON.stringify(a.receipt)),
      col(a => a.retryInMs ?? null), col(a => a.audit?.action ?? null),
      col(a => a.audit === undefined ? null : JSON.stringify(a.audit.details))])
  const moved = new Set(r.rows.map(row => `${row.id}#${row.attempt_no}`))
  return items.map(a => a.audit === undefined || moved.has(`${a.deliveryId}#${a.attemptNo}`))
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
