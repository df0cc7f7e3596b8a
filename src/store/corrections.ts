import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import { routeRecord } from '../domain/routing.js'
import { certificateVersionChanged, cremationNotFound, noticeVoided, subjectChanged } from '../errors.js'
import type { FieldCrypto } from '../security/crypto.js'
import type { DispatchItem } from '../queues/dispatcher.js'
import { appendAudit } from './audit.js'
import { insertCremationRecord } from './cremation-records.js'
import { duplicateOf, latestVersion, recordKeys, type IngestResult } from './cremations.js'
import type { Db, Transaction } from './db.js'
import { insertDeliveries, planRows, toDispatch, type PlannedDelivery } from './delivery-plan.js'
import { recordId } from './ids.js'
import { lockNotice, receivedTargets, type LockedNotice } from './notice-lock.js'

export interface CorrectionResult extends Omit<IngestResult, 'outcome'> {
  /** `corrected` when a new version was stored; `duplicate` when it equals the newest one. */
  outcome: 'corrected' | 'duplicate'
  /** Deliveries of older versions that had not gone out, now never to go out. */
  superseded: string[]
}

/**
 * Stores a correction as the next version (DESIGN §6). Older deliveries that have not gone out
 * are superseded, so a department only ever sees the newest version; a department that already
 * has (or may have) an older one gets `notice.updated`; one that has nothing yet gets the newest
 * version as `notice.created`, still within its hold. The same content again is idempotent.
 */
export async function correctCremation (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[], actor: string,
  /** The certificate version this correction replaces (`If-Match`); any when undefined. */
  basedOn?: number
): Promise<CorrectionResult> {
  const { subjectKey, contentHash } = recordKeys(crypto, record)
  const source = record.funeralHome.code
  const { certificateNo } = record
  return await db.transaction(async (tx) => {
    const first = await latestVersion(tx, source, certificateNo)
    if (first === undefined) throw cremationNotFound()
    // Corrections, voids and certificates of one person queue on the notice row; the newest
    // version is read again once we hold it.
    const notice = await lockNotice(tx, first.notice_id)
    const latest = (await latestVersion(tx, source, certificateNo))!
    if (latest.content_hash === contentHash) return { ...await duplicateOf(tx, latest, certificateNo), superseded: [] }
    // The certificate itself was voided: even when the person has since been reported dead under
    // another certificate (the notice is active again), this one is withdrawn for good.
    if (notice.status === 'voided' || latest.status === 'voided') throw noticeVoided()
    // The caller said which version it corrects: a late retry of an older correction must not
    // roll back a newer one (the same content again was answered above, as a duplicate).
    if (basedOn !== undefined && latest.version !== basedOn) throw certificateVersionChanged(latest.version, basedOn)
    // A different person is not a correction: departments acted on the first one and must be
    // told by a void, then the right person reported anew.
    if (latest.subject_key !== subjectKey) throw subjectChanged()

    const version = notice.version + 1
    const id = recordId('cremation', source, certificateNo, latest.version + 1)
    await insertCremationRecord(tx, crypto, record, { id, version: latest.version + 1, notice: notice.id, noticeVersion: version, subjectKey, contentHash })
    await tx.query("UPDATE records SET status = 'superseded' WHERE id = $1", [latest.id])
    const superseded = await supersedeUnsent(tx, notice.id)
    const planned = await planVersion(tx, notice, id, version, record, targets)
    await tx.query('UPDATE notices SET version = $2, updated_at = now() WHERE id = $1', [notice.id, version])
    await appendAudit(tx, [
      {
        actor,
        action: 'record.corrected',
        entity: `record:${id}`,
        details: { certificateNo, noticeId: notice.id, version, previous: latest.id, superseded: superseded.map(s => s.id), deliveries: planned.deliveries.map(d => d.id) }
      },
      ...superseded.map(s => ({
        actor, action: 'delivery.superseded', entity: `delivery:${s.id}`, details: { target: s.target, byVersion: version }
      }))
    ])
    return {
      outcome: 'corrected', noticeId: notice.id, recordId: id, certificateNo, version, certificateVersion: latest.version + 1,
      deliveries: planned.deliveries, dispatch: planned.dispatch, superseded: superseded.map(s => s.id)
    }
  })
}

/** Deliveries of older versions that have not left the hub: they never will. */
async function supersedeUnsent (tx: Transaction, notice: string): Promise<Array<{ id: string, target: string }>> {
  const r = await tx.query<{ id: string, target: string }>(
    `UPDATE deliveries SET status = 'superseded', lease_until = NULL, updated_at = now()
      WHERE notice_id = $1 AND status IN ('held', 'queued', 'retrying') AND event <> 'notice.voided'
      RETURNING id, target`, [notice])
  return r.rows.sort((a, b) => a.target.localeCompare(b.target))
}

/**
 * Who hears of the new version, and how: `updated` for targets that have (or may have) an older
 * one, `created` for routed targets that have nothing yet, held for what is left of their hold
 * counted from the first report (a correction does not restart the cooling-off).
 */
async function planVersion (
  tx: Transaction, notice: LockedNotice, record: string, version: number, corrected: CremationRecord, targets: readonly TargetConfig[]
): Promise<{ deliveries: PlannedDelivery[], dispatch: DispatchItem[] }> {
  const received = await receivedTargets(tx, notice.id)
  const configured = new Map(targets.map(t => [t.code, t]))
  const takesUpdates = (code: string): boolean => configured.get(code)?.events.includes('notice.updated') ?? true
  // A department that may have acted on an older version hears of the new one, unless its
  // target says it takes no updates; a disabled or removed target's update waits for ops.
  const updated = [...received.values()]
    .filter(r => takesUpdates(r.target))
    .map(r => configured.get(r.target) ?? { code: r.target, department: r.department })
  // One that takes no updates and only *may* have an older version (an attempt timed out, one is
  // in flight) gets the new version as `notice.created`: the older one is now superseded or
  // overtaken, and if it never arrived, nothing else would ever tell the department of the death.
  // Being told twice costs it a duplicate; never being told keeps a dead person's benefit paid.
  const created = routeRecord(targets, 'notice.created', { policeStation: corrected.deceased.policeStation?.code })
    .filter(t => !received.has(t.code) || (!takesUpdates(t.code) && !received.get(t.code)!.confirmed))
  const sinceFirst = await msSinceFirstReport(tx, corrected.funeralHome.code, corrected.certificateNo)
  const rows = [
    ...planRows(notice.id, version, 'notice.updated', updated),
    ...planRows(notice.id, version, 'notice.created', created, t => (t.holdMinutes ?? 0) * 60_000 - sinceFirst)
  ]
  const deliveries = await insertDeliveries(tx, notice.id, record, version, rows, notice.corroboration === 'cremation+certificate')
  return { deliveries, dispatch: toDispatch(deliveries, rows) }
}

/**
 * Since the first version of this certificate: the report being corrected. Not since the
 * person's first report, which may be one voided long ago (reported dead by mistake, then
 * reported again under another certificate): the cooling-off is the new report's.
 */
async function msSinceFirstReport (tx: Transaction, source: string, certificateNo: string): Promise<number> {
  const r = await tx.query<{ ms: number }>(
    `SELECT (extract(epoch FROM now() - min(received_at)) * 1000)::float8 AS ms
       FROM records WHERE kind = 'cremation' AND source = $1 AND document_no = $2`, [source, certificateNo])
  return Number(r.rows[0]?.ms ?? 0)
}
