import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import { subjectIdentity } from '../domain/subject.js'
import { certificateConflict, subjectConflict } from '../errors.js'
import type { FieldCrypto } from '../security/crypto.js'
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
 * Stores a validated cremation record with its notice, planned deliveries and audit event,
 * atomically. The same record again returns the first answer; the same certificate number with
 * other content, or another certificate for the same person, is a conflict.
 */
export async function ingestCremation (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[], actor: string
): Promise<IngestResult> {
  const subjectKey = crypto.blindIndex(subjectIdentity(record.deceased))
  const contentHash = crypto.blindIndex(canonicalJson(record))
  const { certificateNo } = record
  // Most records are new: one statement stores them. When it stores nothing, find out why.
  // A second pass covers a concurrent insert that rolled back between our two statements.
  for (let pass = 0; pass < 2; pass++) {
    const created = await insertFirstVersion(db, crypto, record, targets, actor, subjectKey, contentHash)
      .catch((err: unknown) => {
        // Lost a race on a unique key: the look-ups below see the winner's commit.
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined
        throw err
      })
    if (created !== undefined) return created
    const prior = await latestVersion(db, record.funeralHome.code, certificateNo)
    if (prior !== undefined) return await sameOrConflict(db, prior, certificateNo, contentHash)
    const known = await db.query('SELECT 1 FROM notices WHERE subject_key = $1', [subjectKey])
    if (known.rowCount > 0) throw subjectConflict()
  }
  throw new Error(`ingest of ${certificateNo} kept racing with concurrent writers`)
}

/**
 * Notice, record, deliveries and audit event in a single statement (atomic by itself, one
 * round trip). The notice insert does nothing when the person is already known (waiting for a
 * concurrent insert of the same person to commit), and then nothing else is inserted either.
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
