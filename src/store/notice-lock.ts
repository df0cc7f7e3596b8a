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

/**
 * Targets that have, or may have, received some version of the notice: any delivery tried at
 * least once (delivered, in flight, or failed in a way that may still have reached the
 * department, such as a timeout), or a feed message the department has pulled but not yet
 * acknowledged. Erring this way only costs a department an `updated` or `voided` message about
 * something it may not have acted on; erring the other way would leave a pension stopped.
 */
export async function receivedTargets (tx: Transaction, notice: string): Promise<Set<string>> {
  const r = await tx.query<{ target: string }>(
    `SELECT DISTINCT target FROM deliveries
      WHERE notice_id = $1 AND (attempts > 0 OR feed_served_at IS NOT NULL) AND event <> 'notice.voided'`, [notice])
  return new Set(r.rows.map(row => row.target))
}
