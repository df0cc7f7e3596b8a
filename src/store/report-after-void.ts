import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { FieldCrypto } from '../security/crypto.js'
import { appendAudit } from './audit.js'
import { insertCremationRecord } from './cremation-records.js'
import type { IngestResult } from './cremations.js'
import type { Db } from './db.js'
import { insertDeliveries, planRows, toDispatch } from './delivery-plan.js'
import { noticeId, recordId } from './ids.js'
import { lockNotice } from './notice-lock.js'

/**
 * A person whose earlier report was voided (reported dead by mistake, or under a wrong
 * certificate) who is now reported dead under another certificate number. The notice is keyed
 * by the person, so it comes back to life at the next version: departments that were told of
 * the void get `notice.created` after it, in version order. `undefined` when the person's notice
 * is not voided (the caller then explains the conflict).
 */
export async function reportAfterVoid (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[], actor: string,
  keys: { subjectKey: string, contentHash: string }
): Promise<IngestResult | undefined> {
  const source = record.funeralHome.code
  const { certificateNo } = record
  return await db.transaction(async (tx) => {
    const exists = await tx.query('SELECT 1 FROM notices WHERE subject_key = $1', [keys.subjectKey])
    if (exists.rowCount === 0) return undefined
    const notice = await lockNotice(tx, noticeId(keys.subjectKey))
    if (notice.status !== 'voided') return undefined
    const version = notice.version + 1
    const id = recordId('cremation', source, certificateNo, 1)
    await insertCremationRecord(tx, crypto, record, { id, version: 1, notice: notice.id, noticeVersion: version, ...keys })
    await tx.query(
      // The void's reason stays: a void message still on its way (a feed not yet pulled, a batch
      // file not yet written) must carry it. It describes the last void, not the notice's state.
      `UPDATE notices SET status = 'active', version = $2, updated_at = now() WHERE id = $1`, [notice.id, version])
    const rows = planRows(notice.id, version, 'notice.created', targets)
    const deliveries = await insertDeliveries(tx, notice.id, id, version, rows, notice.corroboration === 'cremation+certificate')
    await appendAudit(tx, [{
      actor,
      action: 'record.received',
      entity: `record:${id}`,
      details: { kind: 'cremation', certificateNo, noticeId: notice.id, version, afterVoid: true, deliveries: deliveries.map(d => d.id) }
    }])
    return { outcome: 'created', noticeId: notice.id, recordId: id, certificateNo, version, certificateVersion: 1, deliveries, dispatch: toDispatch(deliveries, rows) }
  })
}
