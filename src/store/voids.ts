import type { DispatchItem } from '../queues/dispatcher.js'
import { appendAudit } from './audit.js'
import { newestCertificateVersion } from './cremation-records.js'
import type { Db, Transaction } from './db.js'
import { insertDeliveries, planRows, toDispatch, type PlannedDelivery } from './delivery-plan.js'
import { lockNotice, receivedTargets } from './notice-lock.js'

export interface VoidResult {
  /** `voided` the first time; `duplicate` when the notice was voided already. */
  outcome: 'voided' | 'duplicate'
  noticeId: string
  certificateNo: string
  version: number
  reason: string
  /** Deliveries that had not gone out and now never will. */
  cancelled: string[]
  /** `notice.voided` messages to the departments that had (or may have had) the notice. */
  deliveries: PlannedDelivery[]
  dispatch: DispatchItem[]
}

/**
 * Withdraws a cremation record (DESIGN §6): a living person reported dead, a wrong identity.
 * Every delivery that has not gone out is cancelled; every department that already had the
 * notice gets `notice.voided`, at once (no hold), so it can restore what it stopped. Voiding
 * again answers like the first time.
 */
export async function voidCremation (
  db: Db, certificateNo: string, funeralHome: string | undefined, reason: string, actor: string
): Promise<VoidResult> {
  return await db.transaction(async (tx) => {
    const first = await newestCertificateVersion(tx, certificateNo, funeralHome)
    const notice = await lockNotice(tx, first.notice_id)
    // Read again under the notice's lock: a void or correction that held it may have changed it.
    const found = await newestCertificateVersion(tx, certificateNo, funeralHome)
    // This certificate's void happened already. The person may since have been reported dead
    // under another certificate, which made the notice active again: a retried void of the old
    // certificate must not withdraw that report. It gets the first void's answer.
    const earlier = found.status === 'voided'
      ? await earlierVoid(tx, found.id)
      : notice.status === 'voided' ? { version: notice.version, reason: notice.voidReason ?? '' } : undefined
    if (earlier !== undefined) {
      return {
        outcome: 'duplicate', noticeId: notice.id, certificateNo, version: earlier.version, reason: earlier.reason,
        cancelled: [], deliveries: await voidMessages(tx, notice.id, earlier.version), dispatch: []
      }
    }
    const version = notice.version + 1
    const cancelled = await tx.query<{ id: string, target: string }>(
      `UPDATE deliveries SET status = 'cancelled', lease_until = NULL, updated_at = now()
        WHERE notice_id = $1 AND status IN ('held', 'queued', 'retrying') RETURNING id, target`, [notice.id])
    // Every department that may have acted on the notice is told, whatever its target's state
    // now: a disabled or removed target's void waits in the database for ops.
    const told = [...(await receivedTargets(tx, notice.id)).values()].map(r => ({ code: r.target, department: r.department }))
    const rows = planRows(notice.id, version, 'notice.voided', told)
    const deliveries = await insertDeliveries(tx, notice.id, found.id, version, rows, true)
    // The void is kept on the record, with the audit event's own time: a retried void and the
    // status are answered from here (the audit trail is written, never read to decide).
    const at = new Date()
    await tx.query(
      "UPDATE records SET status = 'voided', void_version = $2, void_reason = $3, voided_at = $4 WHERE id = $1",
      [found.id, version, reason, at])
    await tx.query(
      `UPDATE notices SET status = 'voided', version = $2, void_reason = $3, voided_at = now(), updated_at = now()
        WHERE id = $1`, [notice.id, version, reason])
    const cancelledIds = cancelled.rows.map(c => c.id).sort()
    await appendAudit(tx, [
      {
        actor,
        action: 'record.voided',
        entity: `record:${found.id}`,
        details: { certificateNo, noticeId: notice.id, version, reason, cancelled: cancelledIds, deliveries: deliveries.map(d => d.id) }
      },
      ...cancelled.rows.map(c => ({
        actor, action: 'delivery.cancelled', entity: `delivery:${c.id}`, details: { target: c.target, byVersion: version }
      }))
    ], at)
    return {
      outcome: 'voided', noticeId: notice.id, certificateNo, version, reason, cancelled: cancelledIds,
      deliveries, dispatch: toDispatch(deliveries, rows)
    }
  })
}

/** The version and reason of the void that withdrew `record`, as the void stored them on it. */
async function earlierVoid (tx: Transaction, record: string): Promise<{ version: number, reason: string }> {
  const r = await tx.query<{ void_version: number | null, void_reason: string | null }>(
    'SELECT void_version, void_reason FROM records WHERE id = $1', [record])
  const row = r.rows[0]
  if (row?.void_version == null) throw new Error(`record ${record} is voided but its void is not stored on it`)
  return { version: row.void_version, reason: row.void_reason ?? '' }
}

async function voidMessages (tx: Transaction, notice: string, version: number): Promise<PlannedDelivery[]> {
  const r = await tx.query<PlannedDelivery>(
    `SELECT id, target, department, event, status FROM deliveries
      WHERE notice_id = $1 AND event = 'notice.voided' AND version = $2 ORDER BY target`, [notice, version])
  return r.rows
}
