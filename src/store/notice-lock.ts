import type { Corroboration } from '../mappings/mapping.js'
import type { Transaction } from './db.js'

/** A notice held for update by the current transaction. */
export interface LockedNotice {
  id: string
  subjectKey: string
  version: number
  status: 'active' | 'voided'
  corroboration: Corroboration | 'certificate'
  hasCremation: boolean
  voidReason: string | null
}

/**
 * Locks one person's notice: corrections, voids and corroborating certificates of the same
 * person are applied one at a time, each seeing what the previous one committed.
 */
export async function lockNotice (tx: Transaction, id: string): Promise<LockedNotice> {
  const r = await tx.query<{
    id: string, subject_key: string, version: number, status: LockedNotice['status'],
    corroboration: LockedNotice['corroboration'], has_cremation: boolean, void_reason: string | null
  }>('SELECT id, subject_key, version, status, corroboration, has_cremation, void_reason FROM notices WHERE id = $1 FOR UPDATE', [id])
  const row = r.rows[0]
  if (row === undefined) throw new Error(`notice ${id} not found`)
  return {
    id: row.id,
    subjectKey: row.subject_key,
    version: row.version,
    status: row.status,
    corroboration: row.corroboration,
    hasCremation: row.has_cremation,
    voidReason: row.void_reason
  }
}

/** A department target that has, or may have, some version of the notice. */
export interface ReceivedTarget {
  target: string
  department: string
  /** Some version certainly reached it: delivered (for a feed: acknowledged, not just pulled). */
  confirmed: boolean
}

/**
 * Targets that have, or may have, received some version of the notice since their last
 * `notice.voided`: delivered, in flight,
 * an attempt whose bytes left the hub (a timeout may still have reached the department: such
 * attempts keep a digest of what was sent), an attempt whose outcome was never recorded, or a
 * feed message the department has pulled. An
 * attempt that certainly sent nothing (mapping, encoding, key, a connection that never opened,
 * a file that never got its final name) keeps no digest and does not count. Erring towards
 * "received" only costs a department an `updated` or `voided` about something it may not have
 * acted on; erring the other way would leave a benefit stopped.
 */
export async function receivedTargets (tx: Transaction, notice: string): Promise<Map<string, ReceivedTarget>> {
  const r = await tx.query<ReceivedTarget>(
    `SELECT d.target, d.department, bool_or(d.status = 'delivered') AS confirmed
       FROM deliveries d
      WHERE d.notice_id = $1 AND d.event <> 'notice.voided'
        -- Only since the department's last void: it restored what it stopped and holds nothing
        -- of this person until the next report reaches it (a person reported dead again). A void
        -- that never will reach it (cancelled, or dead) does not count.
        AND d.version > coalesce((SELECT max(v.version) FROM deliveries v
              WHERE v.notice_id = d.notice_id AND v.target = d.target AND v.event = 'notice.voided'
                AND v.status NOT IN ('cancelled', 'superseded', 'dead')), 0)
        AND (d.status IN ('delivered', 'delivering') OR d.feed_served_at IS NOT NULL
             OR EXISTS (SELECT 1 FROM attempts a WHERE a.delivery_id = d.id AND a.request_digest IS NOT NULL)
             -- An attempt that left no row: its holder died, or could not record the outcome,
             -- after sending. It may have arrived.
             OR d.attempts > (SELECT count(*) FROM attempts a WHERE a.delivery_id = d.id))
      GROUP BY d.target, d.department ORDER BY d.target`, [notice])
  return new Map(r.rows.map(row => [row.target, row]))
}
