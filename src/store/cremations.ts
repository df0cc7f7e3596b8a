import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import { subjectIdentity } from '../domain/subject.js'
import { certificateConflict, noticeVoided, subjectConflict } from '../errors.js'
import type { DispatchItem } from '../queues/dispatcher.js'
import type { FieldCrypto } from '../security/crypto.js'
import { canonicalJson } from './canonical-json.js'
import type { Db, Queryable } from './db.js'
import { toPlanned, type PlannedDelivery } from './delivery-plan.js'
import { insertFirstVersion } from './first-version.js'
import { reportAfterVoid } from './report-after-void.js'

export type { PlannedDelivery } from './delivery-plan.js'

export interface IngestResult {
  /** `created` the first time; `duplicate` when the same record was already stored. */
  outcome: 'created' | 'duplicate'
  noticeId: string
  recordId: string
  certificateNo: string
  /** The notice's version: per person, across corrections and voids. */
  version: number
  /** This certificate's own version (1, then one more per correction): what `If-Match` names. */
  certificateVersion: number
  deliveries: PlannedDelivery[]
  /** What to put on the queues now (empty for a duplicate): held ones with their hold as delay. */
  dispatch: DispatchItem[]
}

const UNIQUE_VIOLATION = '23505'

/**
 * Stores a validated cremation record with its notice, planned deliveries and audit event,
 * atomically. The same record again returns the first answer; the same certificate number with
 * other content, or another certificate for a person whose report stands, is a conflict (after
 * a void, the person may be reported again under another certificate).
 */
export async function ingestCremation (
  db: Db, crypto: FieldCrypto, record: CremationRecord, targets: readonly TargetConfig[], actor: string
): Promise<IngestResult> {
  const { subjectKey, contentHash } = recordKeys(crypto, record)
  const { certificateNo } = record
  // Most records are new: one statement stores them. When it stores nothing, find out why.
  // A second pass covers a concurrent insert that rolled back between our two statements.
  for (let pass = 0; pass < 2; pass++) {
    const created = await insertFirstVersion(db, crypto, record, targets, actor, subjectKey, contentHash).catch(lostRace)
    if (created !== undefined) return created
    const prior = await latestVersion(db, record.funeralHome.code, certificateNo)
    if (prior !== undefined) return await sameOrConflict(db, prior, certificateNo, contentHash)
    const again = await reportAfterVoid(db, crypto, record, targets, actor, { subjectKey, contentHash }).catch(lostRace)
    if (again !== undefined) return again
    const known = await db.query('SELECT 1 FROM notices WHERE subject_key = $1', [subjectKey])
    // Another certificate for this person: a conflict, unless it is this very record, stored by
    // a concurrent request since our look-up (the second pass then answers it as a duplicate).
    if (known.rowCount > 0 && pass > 0) throw subjectConflict()
  }
  throw new Error(`ingest of ${certificateNo} kept racing with concurrent writers`)
}

/** Lost a race on a unique key: nothing stored, and the look-ups that follow see the winner's commit. */
function lostRace (err: unknown): undefined {
  if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined
  throw err
}

/** The person's blind index, and the hash that tells a resubmission from other content. */
export function recordKeys (crypto: FieldCrypto, record: CremationRecord): { subjectKey: string, contentHash: string } {
  return { subjectKey: crypto.blindIndex(subjectIdentity(record.deceased)), contentHash: crypto.blindIndex(canonicalJson(record)) }
}

export interface StoredVersion {
  id: string
  content_hash: string
  notice_id: string
  version: number
  /** The notice version the first answer for this record version gave (migration 7). */
  notice_version: number
  subject_key: string
  status: string
  received_at: Date
}

/** The newest stored version of a funeral home's certificate. */
export async function latestVersion (q: Queryable, source: string, certificateNo: string): Promise<StoredVersion | undefined> {
  const r = await q.query<StoredVersion>(
    `SELECT id, content_hash, notice_id, version, notice_version, subject_key, status, received_at FROM records
      WHERE kind = 'cremation' AND source = $1 AND document_no = $2 ORDER BY version DESC LIMIT 1`, [source, certificateNo])
  return r.rows[0]
}

/** The same content again is answered like the first time; other content is a conflict. */
async function sameOrConflict (q: Queryable, prior: StoredVersion, certificateNo: string, contentHash: string): Promise<IngestResult> {
  // Other content under a voided certificate: the number is withdrawn for good, and the hint to
  // correct it instead would be wrong.
  if (prior.content_hash !== contentHash) throw prior.status === 'voided' ? noticeVoided() : certificateConflict()
  return await duplicateOf(q, prior, certificateNo)
}

/** The answer to a request that repeats what `stored` already holds: as the first answer, nothing new. */
export async function duplicateOf (q: Queryable, stored: StoredVersion, certificateNo: string): Promise<IngestResult & { outcome: 'duplicate' }> {
  return {
    outcome: 'duplicate',
    noticeId: stored.notice_id,
    recordId: stored.id,
    certificateNo,
    // The version the first answer gave, also after a void and a new report (when the notice's
    // versions run ahead of the certificate's). Kept on the record, not read from the audit trail.
    version: stored.notice_version,
    certificateVersion: stored.version,
    deliveries: await plannedDeliveries(q, stored.id),
    dispatch: []
  }
}

async function plannedDeliveries (q: Queryable, record: string): Promise<PlannedDelivery[]> {
  const r = await q.query<Parameters<typeof toPlanned>[0]>(
    'SELECT id, target, department, event, status, awaiting FROM deliveries WHERE record_id = $1 ORDER BY target', [record])
  return r.rows.map(toPlanned)
}
