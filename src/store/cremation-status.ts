import type { Db } from './db.js'

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
}

export interface CremationStatus {
  certificateNo: string
  funeralHome: string
  noticeId: string
  version: number
  status: string
  receivedAt: string
  deliveries: DeliveryStatus[]
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
}

export type StatusLookup =
  | { kind: 'found', status: CremationStatus }
  | { kind: 'not-found' }
  /** Several funeral homes issued this number: the caller must say which. */
  | { kind: 'ambiguous', funeralHomes: string[] }

/**
 * The newest version of a cremation record and where each of its deliveries stands. No personal
 * data. Certificate numbers are unique per funeral home, so `funeralHome` picks one when needed.
 */
export async function getCremationStatus (db: Db, certificateNo: string, funeralHome?: string): Promise<StatusLookup> {
  const rec = await db.query<{ id: string, source: string, notice_id: string, version: number, status: string, received_at: Date }>(
    `SELECT DISTINCT ON (source) id, source, notice_id, version, status, received_at FROM records
      WHERE kind = 'cremation' AND document_no = $1 AND ($2::text IS NULL OR source = $2)
      ORDER BY source, version DESC`, [certificateNo, funeralHome ?? null])
  if (rec.rows.length > 1) return { kind: 'ambiguous', funeralHomes: rec.rows.map(r => r.source) }
  const r = rec.rows[0]
  if (r === undefined) return { kind: 'not-found' }
  const d = await db.query<Row>(
    `SELECT id, target, department, event, version, status, attempts, next_attempt_at, delivered_at, last_error, receipt
       FROM deliveries WHERE notice_id = $1 ORDER BY target, version, event`, [r.notice_id])
  return { kind: 'found', status: {
    certificateNo,
    funeralHome: r.source,
    noticeId: r.notice_id,
    version: r.version,
    status: r.status,
    receivedAt: r.received_at.toISOString(),
    deliveries: d.rows.map(row => ({
      id: row.id,
      target: row.target,
      department: row.department,
      event: row.event,
      version: row.version,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: ['queued', 'retrying'].includes(row.status) ? row.next_attempt_at.toISOString() : null,
      deliveredAt: row.delivered_at?.toISOString() ?? null,
      lastError: row.last_error,
      receipt: row.receipt
    }))
  } }
}
