import type { Db } from './db.js'
import { SENT_OR_NOTICE_FACTS } from './sent-facts.js'

/**
 * The pull feed's storage (DESIGN §7): a feed target's deliveries wait here with status
 * `queued` until the department pulls them and acknowledges them by cursor.
 *
 * Why positions are given at pull time. A position taken from a sequence when the delivery is
 * inserted is unsafe: the ingest that took 10 may commit after the one that took 11 has been
 * served and acknowledged, and a department reading "after 11" would skip 10 forever. So a
 * delivery gets its position only when a pull finds it committed and unplaced, under a
 * per-target advisory lock held until that placing commits. Pulls of one target thus place in
 * turn, each after the previous one's commit, and the sequence only grows: every position at
 * or below one a department has been served belongs to a row that was already committed and
 * placed, and a late commit simply gets a larger position at the next pull.
 */

/**
 * What a pull may hand out (never delivered, superseded, cancelled or dead; held ones once their
 * hold is over, which `next_attempt_at <= now()` checks; none that waits for corroboration).
 */
const OWED = `status IN ('held', 'queued', 'retrying') AND awaiting IS NULL`

/** Arbitrary constant, the first half of the per-target advisory lock key. */
const FEED_LOCK = 7_301_003

/**
 * Places up to `max` committed, due, unplaced deliveries of `target` at the end of its feed,
 * oldest first, and commits. Bounded, so a large backlog is placed a page at a time.
 * @returns how many were placed
 */
export async function placeFeedMessages (db: Db, target: string, max: number): Promise<number> {
  return await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FEED_LOCK, target])
    // A statement after the lock: under READ COMMITTED it sees the previous holder's commit.
    const r = await tx.query(
      // MATERIALIZED: positions are drawn once, in age order. As a plain subquery the planner may
      // rescan it inside a nested loop, drawing new (and out-of-order) positions on every pass.
      // One person's messages go in version order, together: created_at is when a transaction
      // began, so a report that waited on the notice lock behind a void can look older than it.
      `WITH p AS MATERIALIZED (
         SELECT id, nextval('feed_positions') AS seq FROM (
           SELECT id FROM deliveries
            WHERE target = $1 AND feed_seq IS NULL AND ${OWED} AND next_attempt_at <= now()
            ORDER BY min(created_at) OVER (PARTITION BY notice_id), notice_id, version, id LIMIT $2) oldest)
       UPDATE deliveries d SET feed_seq = p.seq FROM p
        WHERE d.id = p.id AND d.feed_seq IS NULL AND d.${OWED}`, [target, max])
    return r.rowCount
  })
}

/** Whether deliveries of `target` wait to be placed (for `hasMore`). */
export async function hasUnplacedMessages (db: Db, target: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM deliveries WHERE target = $1 AND feed_seq IS NULL AND ${OWED} AND next_attempt_at <= now() LIMIT 1`, [target])
  return r.rowCount > 0
}

/** A placed, owed message with the stored record it carries (decrypted by the caller). */
export interface FeedRow {
  position: number
  deliveryId: string
  noticeId: string
  event: string
  version: number
  recordData: unknown
  personalEnc: string
  corroboration: string
  voidReason: string | null
}

/** Owed messages of `target` placed after `after`, in feed order. */
export async function readFeed (db: Db, target: string, after: number, limit: number): Promise<FeedRow[]> {
  const r = await db.query<{
    feed_seq: string, id: string, notice_id: string, event: string, version: number, data: unknown, personal_enc: string,
    corroboration: string, void_reason: string | null
  }>(`SELECT d.feed_seq::text AS feed_seq, d.id, d.notice_id, d.event, d.version, r.data, r.personal_enc,
            ${SENT_OR_NOTICE_FACTS}
        FROM deliveries d JOIN records r ON r.id = d.record_id JOIN notices n ON n.id = d.notice_id
       WHERE d.target = $1 AND d.feed_seq IS NOT NULL AND d.feed_seq > $2 AND d.${OWED}
       ORDER BY d.feed_seq LIMIT $3`, [target, after, limit])
  return r.rows.map(row => ({
    position: Number(row.feed_seq),
    deliveryId: row.id,
    noticeId: row.notice_id,
    event: row.event,
    version: row.version,
    recordData: row.data,
    personalEnc: row.personal_enc,
    corroboration: row.corroboration,
    voidReason: row.void_reason
  }))
}

/** What a served message said that could change later: kept, so every serve says the same. */
export interface ServedFacts { id: string, corroboration: string, voidReason: string | null }

/**
 * Notes that the department was handed these messages and how far its feed has been served,
 * before the page is answered: only what is noted here can later be acknowledged. A message
 * voided or superseded since it was read is not noted and must not be handed out: the void
 * either commits first (and the row is no longer owed here) or sees the note and tells the
 * department with `notice.voided`; the row lock orders the two.
 * @returns the ids that may be handed out, each with the corroboration and void reason its message
 * must say (the first serve's, which a pull running at the same time may have fixed)
 */
export async function markFeedServed (
  db: Db, target: string, messages: readonly ServedFacts[], upTo: number, at: Date
): Promise<Map<string, ServedFacts>> {
  return await db.transaction(async (tx) => {
    let served = new Map<string, ServedFacts>()
    if (messages.length > 0) {
      // What the message was built with is kept: pulled again before its ack, the message (same
      // idempotency key) reads the same.
      const r = await tx.query<{ id: string, sent_corroboration: string, sent_void_reason: string | null }>(
        `UPDATE deliveries d SET feed_served_at = coalesce(d.feed_served_at, $2),
           sent_corroboration = coalesce(d.sent_corroboration, v.corroboration),
           sent_void_reason = coalesce(d.sent_void_reason, v.void_reason)
          FROM unnest($1::text[], $3::text[], $4::text[]) AS v(id, corroboration, void_reason)
          WHERE d.id = v.id AND d.${OWED} RETURNING d.id, d.sent_corroboration, d.sent_void_reason`,
        [messages.map(m => m.id), at, messages.map(m => m.corroboration), messages.map(m => m.voidReason)])
      served = new Map(r.rows.map(row => [row.id, { id: row.id, corroboration: row.sent_corroboration, voidReason: row.sent_void_reason }]))
    }
    await tx.query(
      `INSERT INTO feed_cursors (target, served_seq) VALUES ($1, $2)
       ON CONFLICT (target) DO UPDATE SET served_seq = greatest(feed_cursors.served_seq, excluded.served_seq), updated_at = now()`,
      [target, upTo])
    return served
  })
}

/**
 * A message whose record cannot be put in the department's format: dead at once, with an
 * attempt row and an audit event (as the worker does for a mapping error), never served.
 * @returns false when the delivery was no longer owed (superseded or acknowledged meanwhile)
 */
export async function markFeedUnmappable (db: Db, deliveryId: string, target: string, reason: string, at: Date): Promise<boolean> {
  const r = await db.query(
    `WITH u AS (
       UPDATE deliveries SET status = 'dead', attempts = attempts + 1, last_error = $3,
         first_attempt_at = coalesce(first_attempt_at, $4), updated_at = now()
       WHERE id = $1 AND ${OWED}
       RETURNING id, attempts),
     a AS (
       INSERT INTO attempts (delivery_id, attempt_no, started_at, ended_at, outcome, error_class, error, duration_ms)
       SELECT id, attempts, $4, $4, 'dead', 'mapping', $3, 0 FROM u)
     INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT $4, 'feed', 'delivery.dead', 'delivery:' || id,
         json_build_object('target', $2::text, 'attemptNo', attempts, 'errorClass', 'mapping', 'error', $3::text) FROM u
     RETURNING 1`, [deliveryId, target, reason, at])
  return r.rowCount > 0
}

export type FeedAck =
  | { kind: 'acknowledged', deliveryIds: string[] }
  /** The cursor is beyond what the department has been served: nothing changed. */
  | { kind: 'not-served', servedUpTo: number }

/**
 * Marks every owed message of `target` that the department was handed, at or below `cursor`,
 * as delivered, in one transaction: per delivery an attempt (outcome delivered, timed from
 * when it was served), the receipt, and a `delivery.delivered` audit event, as the worker
 * records a push. Acknowledging the same cursor again finds nothing left to mark.
 */
export async function ackFeed (db: Db, target: string, cursor: number, actor: string, at: Date): Promise<FeedAck> {
  return await db.transaction(async (tx) => {
    const served = await tx.query<{ served_seq: string }>(
      'SELECT served_seq::text AS served_seq FROM feed_cursors WHERE target = $1 FOR UPDATE', [target])
    const servedUpTo = Number(served.rows[0]?.served_seq ?? 0)
    if (cursor > servedUpTo) return { kind: 'not-served', servedUpTo }
    const ackId = `feed:${cursor}`
    const receipt = JSON.stringify({ ackId, summary: '已由部门拉取确认', at: at.toISOString() })
    const r = await tx.query<{ id: string }>(
      `WITH u AS (
         UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, receipt = $3::jsonb, delivered_at = $4,
           first_attempt_at = coalesce(first_attempt_at, feed_served_at), last_error = NULL, lease_until = NULL, updated_at = now()
         WHERE target = $1 AND feed_seq IS NOT NULL AND feed_seq <= $2 AND ${OWED} AND feed_served_at IS NOT NULL
         RETURNING id, attempts, feed_served_at),
       a AS (
         INSERT INTO attempts (delivery_id, attempt_no, started_at, ended_at, outcome, duration_ms, response_summary)
         SELECT id, attempts, feed_served_at, $4, 'delivered',
           greatest(0, round(extract(epoch FROM $4::timestamptz - feed_served_at) * 1000))::int, '已由部门拉取确认' FROM u),
       e AS (
         INSERT INTO audit_events (at, actor, action, entity, details)
         SELECT $4, $5, 'delivery.delivered', 'delivery:' || id,
           json_build_object('target', $1::text, 'attemptNo', attempts, 'ackId', $6::text) FROM u)
       SELECT id FROM u ORDER BY id`, [target, cursor, receipt, at, actor, ackId])
    await tx.query('UPDATE feed_cursors SET acked_seq = greatest(acked_seq, $2), updated_at = now() WHERE target = $1', [target, cursor])
    return { kind: 'acknowledged', deliveryIds: r.rows.map(row => row.id) }
  })
}
