import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { FieldCrypto } from '../security/crypto.js'
import type { IngestResult } from './cremations.js'
import type { Db } from './db.js'
import { planRows, toDispatch, toPlanned, type DeliveryRow } from './delivery-plan.js'
import { noticeId, recordId } from './ids.js'
import { splitCremation } from './record-codec.js'
import { perHandle, tickBatcher } from './tick-batcher.js'

/** One new record, ready to insert: every value computed, nothing left to the database but ids it checks. */
interface FirstVersion {
  notice: string
  subjectKey: string
  recordId: string
  source: string
  certificateNo: string
  contentHash: string
  keyId: string
  personalEnc: string
  data: string
  at: Date
  actor: string
  details: string
  rows: DeliveryRow[]
}

type PlannedRow = Parameters<typeof toPlanned>[0]

/**
 * Stores a person's first cremation record — notice, record, planned deliveries and audit event —
 * as part of one statement, atomic by itself. Records arriving at the same moment share the
 * statement (and its commit): under load most of a statement's cost, in PostgreSQL and in the
 * client, is per statement, not per row. The notice insert does nothing when the person is
 * already known, and then nothing else is inserted for that record either: `undefined`, and
 * the caller finds out why. A batch that fails (two records of one person in it, a certificate
 * number taken meanwhile) is retried one record at a time.
 */
export async function insertFirstVersion (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[],
  actor: string, subjectKey: string, contentHash: string
): Promise<IngestResult | undefined> {
  const notice = noticeId(subjectKey)
  const source = record.funeralHome.code
  const id = recordId('cremation', source, record.certificateNo, 1)
  const { personal, data } = splitCremation(record)
  const rows = planRows(notice, 1, 'notice.created', targets)
  const item: FirstVersion = {
    notice,
    subjectKey,
    recordId: id,
    source,
    certificateNo: record.certificateNo,
    contentHash,
    keyId: crypto.keyId,
    personalEnc: crypto.seal(personal),
    data: JSON.stringify(data),
    at: new Date(),
    actor,
    details: JSON.stringify({ kind: 'cremation', certificateNo: record.certificateNo, noticeId: notice, version: 1, deliveries: rows.map(d => d.id) }),
    rows
  }
  const stored = await batcher(db)(item)
  if (stored === undefined) return undefined
  const byId = new Map(stored.map(row => [row.id, toPlanned(row)]))
  // In the configured order of the targets, as the caller planned them.
  const deliveries = rows.map(row => byId.get(row.id)!)
  return { outcome: 'created', noticeId: notice, recordId: id, certificateNo: record.certificateNo, version: 1, certificateVersion: 1, deliveries, dispatch: toDispatch(deliveries, rows) }
}

const batcher = perHandle((db: Db) => tickBatcher(async (items: readonly FirstVersion[]) => await insertMany(db, items), 64))

/** For each item, its stored deliveries, or `undefined` when the person was already known. */
async function insertMany (db: Db, batch: readonly FirstVersion[]): Promise<Array<PlannedRow[] | undefined>> {
  // Rows are locked in one order whatever the arrival order, so two batches cannot deadlock.
  const items = [...batch].sort((a, b) => a.notice < b.notice ? -1 : a.notice > b.notice ? 1 : 0)
  const col = <T>(f: (i: FirstVersion) => T): T[] => items.map(f)
  const deliveries = items.flatMap(i => i.rows.map(row => ({ notice: i.notice, row })))
  const r = await db.query<{ notice_id: string, deliveries: PlannedRow[] | null }>(
    // A notice may already exist from a death certificate that arrived first (no cremation
    // record yet): the cremation record then takes it over, corroborated from the start.
    `WITH i AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
           $9::text[], $10::timestamptz[], $11::text[], $12::text[])
         AS i(notice_id, subject_key, record_id, source, document_no, content_hash, key_id, personal_enc, data, at, actor, details)),
     n AS (
       INSERT INTO notices (id, subject_key, version) SELECT notice_id, subject_key, 1 FROM i
       ON CONFLICT (subject_key) DO UPDATE SET version = 1, has_cremation = true,
         corroboration = 'cremation+certificate', updated_at = now()
         WHERE notices.has_cremation = false
       RETURNING id, corroboration),
     r AS (
       INSERT INTO records (id, kind, source, document_no, version, notice_id, subject_key, content_hash, key_id, personal_enc, data, notice_version)
       SELECT i.record_id, 'cremation', i.source, i.document_no, 1, n.id, i.subject_key, i.content_hash, i.key_id, i.personal_enc, i.data::jsonb, 1
         FROM i JOIN n ON n.id = i.notice_id
       RETURNING id, notice_id),
     v AS (
       SELECT * FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::float8[], $18::boolean[])
         AS v(notice_id, id, target, department, hold_ms, awaits)),
     d AS (
       INSERT INTO deliveries (id, notice_id, record_id, target, department, event, version, status, next_attempt_at, awaiting)
       SELECT v.id, v.notice_id, r.id, v.target, v.department, 'notice.created', 1,
              CASE WHEN v.hold_ms > 0 OR (v.awaits AND n.corroboration = 'cremation') THEN 'held' ELSE 'queued' END,
              now() + v.hold_ms * interval '1 millisecond',
              CASE WHEN v.awaits AND n.corroboration = 'cremation' THEN 'corroboration' END
         FROM v JOIN r ON r.notice_id = v.notice_id JOIN n ON n.id = v.notice_id
       RETURNING id, notice_id, target, department, event, status, awaiting),
     a AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT i.at, i.actor, 'record.received', 'record:' || r.id, i.details::json FROM r JOIN i ON i.record_id = r.id)
     SELECT r.notice_id,
            (SELECT json_agg(json_build_object('id', d.id, 'target', d.target, 'department', d.department, 'event', d.event,
               'status', d.status, 'awaiting', d.awaiting)) FROM d WHERE d.notice_id = r.notice_id) AS deliveries
       FROM r`,
    [col(i => i.notice), col(i => i.subjectKey), col(i => i.recordId), col(i => i.source), col(i => i.certificateNo),
      col(i => i.contentHash), col(i => i.keyId), col(i => i.personalEnc), col(i => i.data), col(i => i.at), col(i => i.actor),
      col(i => i.details),
      deliveries.map(d => d.notice), deliveries.map(d => d.row.id), deliveries.map(d => d.row.target), deliveries.map(d => d.row.department),
      deliveries.map(d => d.row.holdMs), deliveries.map(d => d.row.awaitsCorroboration)])
  const stored = new Map(r.rows.map(row => [row.notice_id, row.deliveries ?? []]))
  return batch.map(i => stored.get(i.notice))
}
