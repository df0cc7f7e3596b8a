import { newestCertificateVersion } from './cremation-records.js'
import type { Db, Queryable } from './db.js'

export interface DeliveryStatus {
  id: string
  target: string
  department: string
  event: string
  version: number
  status: string
  attempts: number
  nextAttemptAt: string | null
  deliveredAt: string | null
  lastError: string | null
  receipt: unknown
  /** `corroboration` while the delivery waits for a death certificate. */
  awaiting: string | null
}

/** One stored version of the certificate: corrections add versions, a void ends the last one. */
export interface VersionStatus {
  version: number
  /** `active`, `superseded` (a later correction replaced it) or `voided`. */
  status: string
  receivedAt: string
}

/** One entry of the audit trail about this record, its notice or its deliveries. */
export interface HistoryEntry {
  at: string
  actor: string
  action: string
  entity: string
  details: unknown
}

export interface CremationStatus {
  certificateNo: string
  funeralHome: string
  noticeId: string
  /** The notice's version (a void adds one, so departments can order it after the corrections). */
  version: number
  /** The newest record version's status. */
  status: string
  /** `active` or `voided`. */
  noticeStatus: string
  /** `cremation` or `cremation+certificate` (a death certificate corroborates it). */
  corroboration: string
  voidReason: string | null
  voidedAt: string | null
  receivedAt: string
  versions: VersionStatus[]
  deliveries: DeliveryStatus[]
  /** Every correction, void, supersede, cancel and outcome, oldest first. */
  history: HistoryEntry[]
}

interface Row {
  id: string
  target: string
  department: string
  event: string
  version: number
  status: string
  attempts: number
  next_attempt_at: Date
  delivered_at: Date | null
  last_error: string | null
  receipt: unknown
  awaiting: string | null
}

/**
 * The audit view of one certificate: every event about its notice, record versions and
 * deliveries. The one request that reads `audit_events`, and only to show it, never to decide.
 * It is planned as a bitmap scan of `audit_entity` then a sort of the few rows found, with or
 * without statistics and as a generic plan too (1 M events: 0.06 ms; `bench/repeated-report.ts`
 * prints the plan). Keep it without a LIMIT: `ORDER BY id LIMIT n` lets the planner walk the
 * primary key instead, past every event in the table, which is what made repeated reports slow.
 */
export const HISTORY = 'SELECT at, actor, action, entity, details FROM audit_events WHERE entity = ANY($1::text[]) ORDER BY id'

/**
 * The newest version of a cremation record and where each of its deliveries stands. No personal
 * data. Certificate numbers are unique per funeral home, so `funeralHome` picks one when needed.
 * @throws the 404 when unknown, the 409 when several funeral homes used the number
 */
export async function getCremationStatus (db: Db, certificateNo: string, funeralHome?: string): Promise<CremationStatus> {
  // One snapshot: a correction committing between the look-ups must not mix two versions.
  return await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
    return await statusIn(tx, certificateNo, funeralHome)
  })
}

async function statusIn (db: Queryable, certificateNo: string, funeralHome?: string): Promise<CremationStatus> {
  const r = await newestCertificateVersion(db, certificateNo, funeralHome)
  const v = await db.query<{ id: string, version: number, status: string, received_at: Date, void_reason: string | null, voided_at: Date | null }>(
    `SELECT id, version, status, received_at, void_reason, voided_at FROM records
      WHERE kind = 'cremation' AND source = $1 AND document_no = $2 ORDER BY version`, [r.source, certificateNo])
  // This certificate's deliveries: a person voided and reported again under another certificate
  // shares the notice, but each certificate shows what was sent for it.
  const d = await db.query<Row>(
    `SELECT id, target, department, event, version, status, attempts, next_attempt_at, delivered_at, last_error, receipt, awaiting
       FROM deliveries WHERE record_id = ANY($1::text[]) ORDER BY target, version, event`, [v.rows.map(row => row.id)])
  const n = await db.query<{ version: number, status: string, corroboration: string }>(
    'SELECT version, status, corroboration FROM notices WHERE id = $1', [r.notice_id])
  const notice = n.rows[0]!
  const entities = [`notice:${r.notice_id}`, ...v.rows.map(row => `record:${row.id}`), ...d.rows.map(row => `delivery:${row.id}`)]
  const h = await db.query<{ at: Date, actor: string, action: string, entity: string, details: unknown }>(HISTORY, [entities])
  // The void of this certificate, if it was voided, as the void stored it on the record (the
  // notice's own fields describe the person's last void, which may be another certificate's).
  const voided = r.status === 'voided' ? v.rows.find(row => row.id === r.id) : undefined
  return {
    certificateNo,
    funeralHome: r.source,
    noticeId: r.notice_id,
    version: notice.version,
    status: r.status,
    noticeStatus: notice.status,
    corroboration: notice.corroboration,
    voidReason: voided === undefined ? null : voided.void_reason ?? '',
    voidedAt: voided?.voided_at?.toISOString() ?? null,
    receivedAt: r.received_at.toISOString(),
    versions: v.rows.map(row => ({ version: row.version, status: row.status, receivedAt: row.received_at.toISOString() })),
    deliveries: d.rows.map(row => ({
      id: row.id,
      target: row.target,
      department: row.department,
      event: row.event,
      version: row.version,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: ['held', 'queued', 'retrying'].includes(row.status) && row.awaiting === null ? row.next_attempt_at.toISOString() : null,
      deliveredAt: row.delivered_at?.toISOString() ?? null,
      lastError: row.last_error,
      receipt: row.receipt,
      awaiting: row.awaiting
    })),
    history: h.rows.map(row => ({ at: row.at.toISOString(), actor: row.actor, action: row.action, entity: row.entity, details: row.details }))
  }
}
