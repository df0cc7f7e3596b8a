import type { Db } from './db.js'
import { OLDER_IN_FLIGHT, OVERTAKEN, OVERTAKEN_STATUS, retireOvertaken } from './overtaken.js'
import { FIX_SENT_FACTS, FIXED_FACTS_OF_C } from './sent-facts.js'

/** A delivery whose line a batch file carries, claimed for this attempt, with its stored record. */
export interface BatchMember {
  id: string
  noticeId: string
  event: string
  version: number
  /** The number of this attempt (1 for the first). */
  attemptNo: number
  recordData: unknown
  personalEnc: string
  /** The corroboration and void reason fixed when the delivery was first batched, for the message (see mappingContext). */
  corroboration: string
  voidReason: string | null
}

/** A batch this run holds (leased): its file, and its deliveries claimed for one more attempt. */
export interface LeasedBatch {
  id: string
  target: string
  fileName: string
  createdAt: Date
  /** The number of this upload attempt (1 for the first). */
  attemptNo: number
  /** Time since the batch was created, by the database's clock (the retry window's measure). */
  sinceCreatedMs: number
  /** In file order: the order in which the deliveries were created. */
  members: BatchMember[]
}

export type OpenBatch =
  | { kind: 'none' }
  /** A pending batch not due yet (backoff) or held by another run. */
  | { kind: 'waiting', inMs: number }
  | { kind: 'leased', batch: LeasedBatch }

interface MemberRow {
  id: string, notice_id: string, event: string, version: number, attempts: number, data: unknown, personal_enc: string,
  corroboration: string, void_reason: string | null
}

const toMember = (r: MemberRow): BatchMember => ({
  id: r.id, noticeId: r.notice_id, event: r.event, version: r.version, attemptNo: r.attempts, recordData: r.data, personalEnc: r.personal_enc,
  corroboration: r.corroboration, voidReason: r.void_reason
})

/** Statuses a batch member may be in and still be sent: waiting, or claimed by a run that died. */
const SENDABLE = `('queued', 'retrying', 'delivering')`

/**
 * Takes the target's unfinished batch, if there is one and it is due: leases it and claims its
 * deliveries that are still to be sent, so the retry writes the same file with the same lines.
 * Deliveries superseded, cancelled or discarded meanwhile are left out of the rewrite.
 */
export async function leaseOpenBatch (db: Db, target: string, leaseMs: number): Promise<OpenBatch> {
  return await db.transaction(async (tx) => {
    const open = await tx.query<{ id: string, wait_ms: number }>(
      `SELECT id, (extract(epoch FROM greatest(next_attempt_at, coalesce(lease_until, next_attempt_at)) - now()) * 1000)::float8 AS wait_ms
         FROM sftp_batches WHERE target = $1 AND status = 'pending' FOR UPDATE`, [target])
    const row = open.rows[0]
    if (row === undefined) return { kind: 'none' }
    if (Number(row.wait_ms) > 0) return { kind: 'waiting', inMs: Number(row.wait_ms) }
    const b = await tx.query<{ file_name: string, delivery_ids: string[], created_at: Date, attempts: number, since_ms: number }>(
      `UPDATE sftp_batches SET lease_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1, updated_at = now()
        WHERE id = $1
        RETURNING file_name, delivery_ids, created_at, attempts, (extract(epoch FROM now() - created_at) * 1000)::float8 AS since_ms`,
      [row.id, leaseMs])
    const batch = b.rows[0]!
    // Lines voided or superseded since the last try are left out of the rewrite, for good.
    await retireOvertaken(tx, { ids: batch.delivery_ids, ownLease: true }, 'sftp-batch')
    const m = await tx.query<MemberRow>(
      `WITH c AS (
         UPDATE deliveries d SET status = 'delivering', attempts = attempts + 1, lease_until = NULL,
           first_attempt_at = coalesce(first_attempt_at, now()), updated_at = now(),
           -- The file is written again with the same name: its lines say what they said before.
           ${FIX_SENT_FACTS}
         WHERE id = ANY($1::text[]) AND status IN ${SENDABLE} AND NOT ${OVERTAKEN}
         RETURNING id, notice_id, record_id, event, version, attempts, created_at, sent_corroboration, sent_void_reason)
       SELECT c.id, c.notice_id, c.event, c.version, c.attempts, r.data, r.personal_enc, ${FIXED_FACTS_OF_C}
         FROM c JOIN records r ON r.id = c.record_id ORDER BY c.created_at, c.id`, [batch.delivery_ids])
    return {
      kind: 'leased',
      batch: {
        id: row.id,
        target,
        fileName: batch.file_name,
        createdAt: new Date(batch.created_at),
        attemptNo: batch.attempts,
        sinceCreatedMs: Number(batch.since_ms),
        members: m.rows.map(toMember)
      }
    }
  })
}

export interface NewBatch {
  id: string
  target: string
  fileName: string
  createdAt: Date
  /** Most deliveries one file takes; the rest go in the next run's file. */
  limit: number
  leaseMs: number
}

const UNIQUE_VIOLATION = '23505'

/**
 * In one statement: claims every due delivery of the target (up to `limit`, oldest first, none
 * already in an unfinished batch) and records the batch that will carry them, leased to this
 * run. Returns undefined when nothing is due (no batch is recorded) or when another run has
 * just opened a batch for the target (at most one unfinished batch per target).
 */
export async function claimNewBatch (db: Db, b: NewBatch): Promise<LeasedBatch | undefined> {
  let rows: MemberRow[]
  try {
    const r = await db.query<MemberRow>(
      `WITH due AS (
         SELECT d.id FROM deliveries d
          WHERE d.target = $2 AND d.status IN ('held', 'queued', 'retrying') AND d.awaiting IS NULL AND d.next_attempt_at <= now()
            AND NOT EXISTS (SELECT 1 FROM sftp_batches s WHERE s.target = $2 AND s.status = 'pending' AND d.id = ANY(s.delivery_ids))
            AND NOT ${OVERTAKEN}
            -- Version order per person: a newer version waits for the file that carries an older one.
            AND NOT ${OLDER_IN_FLIGHT}
          ORDER BY d.created_at, d.id LIMIT $5 FOR UPDATE SKIP LOCKED),
       c AS (
         UPDATE deliveries d SET status = 'delivering', attempts = d.attempts + 1, lease_until = NULL,
           first_attempt_at = coalesce(d.first_attempt_at, now()), updated_at = now(),
           ${FIX_SENT_FACTS}
           FROM due WHERE d.id = due.id
         RETURNING d.id, d.notice_id, d.record_id, d.event, d.version, d.attempts, d.created_at, d.sent_corroboration, d.sent_void_reason),
       b AS (
         INSERT INTO sftp_batches (id, target, file_name, delivery_ids, status, attempts, lease_until, created_at)
         SELECT $1, $2, $3, array_agg(c.id ORDER BY c.created_at, c.id), 'pending', 1, now() + $6 * interval '1 millisecond', $4
           FROM c HAVING count(*) > 0)
       SELECT c.id, c.notice_id, c.event, c.version, c.attempts, r.data, r.personal_enc, ${FIXED_FACTS_OF_C}
         FROM c JOIN records r ON r.id = c.record_id ORDER BY c.created_at, c.id`,
      [b.id, b.target, b.fileName, b.createdAt, b.limit, b.leaseMs])
    rows = r.rows
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined
    throw err
  }
  if (rows.length === 0) return undefined
  return { id: b.id, target: b.target, fileName: b.fileName, createdAt: b.createdAt, attemptNo: 1, sinceCreatedMs: 0, members: rows.map(toMember) }
}

/** What one attempt did for one delivery of a batch. */
export interface MemberOutcome {
  id: string
  attemptNo: number
  outcome: 'delivered' | 'retry' | 'dead'
  errorClass?: string
  error?: string
  /** For `retry`: how long after now (database clock) the delivery is due again. */
  retryInMs?: number
  /** Keyed digest of the line sent for this delivery. */
  requestDigest?: string
}

/** How the batch itself moves on. */
export interface BatchChange {
  id: string
  /**
   * `pending` with `keepLease`: still this run's (rows left out before the upload).
   * `pending` without: the upload failed, retried after `retryInMs`. Otherwise the batch is closed.
   */
  status: 'pending' | 'done' | 'failed' | 'empty'
  keepLease?: boolean
  /** Replaces the batch's delivery ids (the lines the file really carries). */
  deliveryIds?: readonly string[]
  retryInMs?: number
  lastError?: string
}

export interface BatchSettlement {
  target: string
  /** The batch attempt this run leased: a run whose lease was taken over settles nothing. */
  batchAttemptNo: number
  batch: BatchChange
  members: readonly MemberOutcome[]
  startedAt: Date
  endedAt: Date
  /** For delivered members: the receipt kept with each delivery, and the attempt's summary. */
  receipt?: unknown
  responseSummary?: string
}

/** As in `finishAttempt`: a retry overtaken by a void is cancelled, by a newer version superseded. */
const STATUS_AFTER = `CASE
  WHEN v.outcome = 'delivered' THEN 'delivered'
  WHEN v.outcome = 'retry' AND ${OVERTAKEN} THEN ${OVERTAKEN_STATUS}
  WHEN v.outcome = 'retry' THEN 'retrying'
  ELSE 'dead' END`

/**
 * Records a batch attempt in a single statement, so the batch, its deliveries, their attempt
 * rows and the audit events can never disagree: e.g. the batch `done` and every delivery in it
 * `delivered`, or the batch left pending and every delivery `retrying`. The set-based twin of
 * `finishAttempt` (same columns, same transitions): a batch holds thousands of deliveries.
 * Only members still held by this attempt (status `delivering`, same attempt number) move on,
 * and only while the batch is pending and still leased to this attempt: when a slow run's lease
 * was taken over, the run that took it settles (closing the batch here would strand its
 * deliveries in `delivering`). Returns whether this attempt still held the batch, and how many
 * deliveries moved.
 */
export async function settleBatch (db: Db, s: BatchSettlement): Promise<{ held: boolean, moved: number }> {
  const m = s.members
  const r = await db.query<{ n: number, held: number }>(
    `WITH b AS (
       UPDATE sftp_batches SET status = $2, delivery_ids = coalesce($3::text[], delivery_ids),
         next_attempt_at = coalesce(now() + $4::float8 * interval '1 millisecond', next_attempt_at),
         lease_until = CASE WHEN $5::boolean THEN lease_until END,
         last_error = CASE WHEN $5::boolean THEN last_error ELSE $6 END,
         finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $8::timestamptz END, updated_at = now()
       WHERE id = $1 AND status = 'pending' AND attempts = $21
       RETURNING id),
     v AS (
       SELECT * FROM unnest($9::text[], $10::int[], $11::text[], $12::text[], $13::text[], $14::float8[], $15::text[])
         AS v(id, attempt_no, outcome, error_class, error, retry_in_ms, request_digest)),
     u AS (
       UPDATE deliveries d SET status = ${STATUS_AFTER}, lease_until = NULL, last_error = v.error,
         receipt = CASE WHEN v.outcome = 'delivered' THEN coalesce($16::jsonb, d.receipt) ELSE d.receipt END,
         next_attempt_at = coalesce(now() + v.retry_in_ms * interval '1 millisecond', d.next_attempt_at),
         delivered_at = CASE WHEN v.outcome = 'delivered' THEN $8::timestamptz ELSE d.delivered_at END, updated_at = now()
         FROM v, b WHERE d.id = v.id AND d.status = 'delivering' AND d.attempts = v.attempt_no
       RETURNING d.id, d.status, v.attempt_no, v.outcome, v.error_class, v.error, v.request_digest),
     x AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT $8, 'sftp-batch', 'delivery.' || u.status, 'delivery:' || u.id,
              json_build_object('target', $19::text, 'batchId', $1::text, 'reason', 'overtaken')
         FROM u WHERE u.outcome = 'retry' AND u.status IN ('superseded', 'cancelled')),
     a AS (
       INSERT INTO attempts (delivery_id, attempt_no, started_at, ended_at, outcome, error_class, error, duration_ms,
         request_digest, response_summary)
       SELECT u.id, u.attempt_no, $7, $8, u.outcome, u.error_class, u.error, $17, u.request_digest,
         CASE WHEN u.outcome = 'delivered' THEN $18 END FROM u),
     e AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT $8, 'sftp-batch', 'delivery.' || u.outcome, 'delivery:' || u.id,
         CASE WHEN u.outcome = 'delivered'
           THEN json_build_object('target', $19::text, 'attemptNo', u.attempt_no, 'batchId', $1::text, 'file', $20::text)
           ELSE json_build_object('target', $19::text, 'attemptNo', u.attempt_no, 'batchId', $1::text, 'errorClass', u.error_class, 'error', u.error) END
         FROM u WHERE u.outcome <> 'retry')
     SELECT (SELECT count(*)::int FROM u) AS n, (SELECT count(*)::int FROM b) AS held`,
    [s.batch.id, s.batch.status, s.batch.deliveryIds ?? null, s.batch.retryInMs ?? null, s.batch.keepLease === true,
      s.batch.lastError ?? null, s.startedAt, s.endedAt,
      m.map(x => x.id), m.map(x => x.attemptNo), m.map(x => x.outcome), m.map(x => x.errorClass ?? null),
      m.map(x => x.error ?? null), m.map(x => x.retryInMs ?? null), m.map(x => x.requestDigest ?? null),
      s.receipt === undefined ? null : JSON.stringify(s.receipt), s.endedAt.getTime() - s.startedAt.getTime(),
      s.responseSummary ?? null, s.target, fileOf(s.receipt), s.batchAttemptNo])
  return { held: Number(r.rows[0]?.held ?? 0) > 0, moved: Number(r.rows[0]?.n ?? 0) }
}

function fileOf (receipt: unknown): string | null {
  const file = (receipt as { ackId?: unknown } | undefined)?.ackId
  return typeof file === 'string' ? file : null
}
