import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import { subjectIdentity } from '../domain/subject.js'
import { certificateConflict, subjectConflict } from '../errors.js'
import type { FieldCrypto } from '../security/crypto.js'
import { appendAudit } from './audit.js'
import { canonicalJson } from './canonical-json.js'
import type { Db, Queryable } from './db.js'
import { deliveryId, noticeId, recordId } from './ids.js'
import { splitCremation } from './record-codec.js'

/** A delivery the hub has committed to make. */
export interface PlannedDelivery {
  id: string
  target: string
  department: string
  event: string
  status: string
}

export interface IngestResult {
  /** `created` the first time; `duplicate` when the same record was already stored. */
  outcome: 'created' | 'duplicate'
  noticeId: string
  recordId: string
  certificateNo: string
  version: number
  deliveries: PlannedDelivery[]
}

const UNIQUE_VIOLATION = '23505'

/**
 * Stores a validated cremation record with its notice, planned deliveries and audit event in
 * one transaction. The same record again returns the first answer; the same certificate
 * number with other content, or another certificate for the same person, is a conflict.
 */
export async function ingestCremation (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[], actor: string
): Promise<IngestResult> {
  const subjectKey = crypto.blindIndex(subjectIdentity(record.deceased))
  const contentHash = crypto.blindIndex(canonicalJson(record))
  try {
    // Most records are new: one statement stores them. Anything else (a resubmission, a
    // conflict, a race) takes the careful path, which explains itself.
    const created = await insertFirstVersion(db, crypto, record, targets, actor, subjectKey, contentHash)
    if (created !== undefined) return created
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err
  }
  try {
    return await db.transaction(async (tx) => await ingestIn(tx, crypto, record, targets, actor, subjectKey, contentHash))
  } catch (err) {
    // Two identical posts racing: the loser's insert collides; answering again finds the winner's.
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err
    return await db.transaction(async (tx) => await ingestIn(tx, crypto, record, targets, actor, subjectKey, contentHash))
  }
}

/**
 * Notice, record, deliveries and audit event in a single statement (atomic by itself, one
 * round trip). The notice insert does nothing when the person is already known, and then
 * nothing else is inserted either: `undefined` sends the caller down the careful path.
 */
async function insertFirstVersion (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[],
  actor: string, subjectKey: string, contentHash: string
): Promise<IngestResult | undefined> {
  const notice = noticeId(subjectKey)
  const source = record.funeralHome.code
  const version = 1
  const id = recordId('cremation', source, record.certificateNo, version)
  const { personal, data } = splitCremation(record)
  const deliveries = plan(notice, version, targets)
  const r = await db.query<{ created: number }>(
    `WITH n AS (
       INSERT INTO notices (id, subject_key, version) VALUES ($1, $2, 1)
       ON CONFLICT (subject_key) DO NOTHING RETURNING id),
     r AS (
       INSERT INTO records (id, kind, source, document_no, version, notice_id, subject_key, content_hash, key_id, personal_enc, data)
       SELECT $3, 'cremation', $4, $5, 1, n.id, $2, $6, $7, $8, $9::jsonb FROM n RETURNING id),
     d AS (
       INSERT INTO deliveries (id, notice_id, record_id, target, department, event, version, status)
       SELECT v.id, $1, r.id, v.target, v.department, 'notice.created', 1, 'queued'
         FROM r, unnest($10::text[], $11::text[], $12::text[]) AS v(id, target, department)),
     a AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT $13, $14, 'record.received', 'record:' || r.id, $15::json FROM r)
     SELECT count(*)::int AS created FROM r`,
    [notice, subjectKey, id, source, record.certificateNo, contentHash, crypto.keyId, crypto.seal(personal), JSON.stringify(data),
      deliveries.map(d => d.id), deliveries.map(d => d.target), deliveries.map(d => d.department),
      new Date(), actor, JSON.stringify(receivedDetails(record, notice, version, deliveries))])
  if (r.rows[0]?.created !== 1) return undefined
  return { outcome: 'created', noticeId: notice, recordId: id, certificateNo: record.certificateNo, version, deliveries }
}

function plan (notice: string, version: number, targets: readonly TargetConfig[]): PlannedDelivery[] {
  return targets.map(t => ({
    id: deliveryId(notice, t.code, 'notice.created', version),
    target: t.code,
    department: t.department,
    event: 'notice.created',
    status: 'queued'
  }))
}

function receivedDetails (record: CremationRecord, notice: string, version: number, deliveries: readonly PlannedDelivery[]): Record<string, unknown> {
  return { kind: 'cremation', certificateNo: record.certificateNo, noticeId: notice, version, deliveries: deliveries.map(d => d.id) }
}

async function ingestIn (
  tx: Queryable, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[],
  actor: string, subjectKey: string, contentHash: string
): Promise<IngestResult> {
  const source = record.funeralHome.code
  const prior = await latestVersion(tx, source, record.certificateNo)
  if (prior !== undefined) return await sameOrConflict(tx, prior, record.certificateNo, contentHash)

  const notice = noticeId(subjectKey)
  const inserted = await tx.query('INSERT INTO notices (id, subject_key, version) VALUES ($1, $2, 1) ON CONFLICT (subject_key) DO NOTHING',
    [notice, subjectKey])
  if (inserted.rowCount === 0) {
    // The insert waited for a concurrent transaction that created this person's notice. If that
    // was the same certificate (a funeral home retrying), its commit is visible now: answer as a
    // resubmission. Only another certificate for the same person is a conflict.
    const winner = await latestVersion(tx, source, record.certificateNo)
    if (winner !== undefined) return await sameOrConflict(tx, winner, record.certificateNo, contentHash)
    throw subjectConflict()
  }

  const version = 1
  const id = recordId('cremation', source, record.certificateNo, version)
  const { personal, data } = splitCremation(record)
  await tx.query(
    `INSERT INTO records (id, kind, source, document_no, version, notice_id, subject_key, content_hash, key_id, personal_enc, data)
     VALUES ($1, 'cremation', $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
    [id, source, record.certificateNo, version, notice, subjectKey, contentHash,
      crypto.keyId, crypto.seal(personal), JSON.stringify(data)])

  const deliveries = plan(notice, version, targets)
  if (deliveries.length > 0) {
    const params: unknown[] = []
    const rows = deliveries.map(d => {
      params.push(d.id, notice, id, d.target, d.department, d.event, version, d.status)
      const n = params.length
      return `($${n - 7}, $${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`
    })
    await tx.query(`INSERT INTO deliveries (id, notice_id, record_id, target, department, event, version, status)
      VALUES ${rows.join(', ')}`, params)
  }

  await appendAudit(tx, [{
    actor,
    action: 'record.received',
    entity: `record:${id}`,
    details: receivedDetails(record, notice, version, deliveries)
  }])
  return { outcome: 'created', noticeId: notice, recordId: id, certificateNo: record.certificateNo, version, deliveries }
}

interface StoredVersion { id: string, content_hash: string, notice_id: string, version: number }

async function latestVersion (q: Queryable, source: string, certificateNo: string): Promise<StoredVersion | undefined> {
  const r = await q.query<StoredVersion>(
    `SELECT id, content_hash, notice_id, version FROM records
      WHERE kind = 'cremation' AND source = $1 AND document_no = $2 ORDER BY version DESC LIMIT 1`, [source, certificateNo])
  return r.rows[0]
}

/** The same content again is answered like the first time; other content is a conflict. */
async function sameOrConflict (q: Queryable, prior: StoredVersion, certificateNo: string, contentHash: string): Promise<IngestResult> {
  if (prior.content_hash !== contentHash) throw certificateConflict()
  return {
    outcome: 'duplicate',
    noticeId: prior.notice_id,
    recordId: prior.id,
    certificateNo,
    version: prior.version,
    deliveries: await plannedDeliveries(q, prior.id)
  }
}

async function plannedDeliveries (q: Queryable, record: string): Promise<PlannedDelivery[]> {
  const r = await q.query<PlannedDelivery>(
    'SELECT id, target, department, event, status FROM deliveries WHERE record_id = $1 ORDER BY target', [record])
  return r.rows
}
