import type { CremationRecord } from '../domain/cremation-record.js'
import { ambiguousCertificate, cremationNotFound } from '../errors.js'
import type { FieldCrypto } from '../security/crypto.js'
import type { Queryable } from './db.js'
import { splitCremation } from './record-codec.js'

/** Where a cremation record version goes: its ids and the keys computed from it. */
export interface CremationRow {
  id: string
  version: number
  notice: string
  /** The notice's version this record version makes: what a repeat of its request is answered with. */
  noticeVersion: number
  subjectKey: string
  contentHash: string
}

/** Stores one version of a cremation record, personal fields sealed. */
export async function insertCremationRecord (q: Queryable, crypto: FieldCrypto, record: CremationRecord, row: CremationRow): Promise<void> {
  const { personal, data } = splitCremation(record)
  await q.query(
    `INSERT INTO records (id, kind, source, document_no, version, notice_id, subject_key, content_hash, key_id, personal_enc, data, notice_version)
     VALUES ($1, 'cremation', $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    [row.id, record.funeralHome.code, record.certificateNo, row.version, row.notice, row.subjectKey, row.contentHash,
      crypto.keyId, crypto.seal(personal), JSON.stringify(data), row.noticeVersion])
}

/** The newest version of a certificate number, per funeral home that used it. */
export interface NewestVersion { id: string, source: string, notice_id: string, version: number, status: string, received_at: Date }

/**
 * The newest version of the certificate. Numbers are unique per funeral home, not across the
 * county: when several homes used it, the caller must say which (`funeralHome`).
 * @throws the 404 when unknown, the 409 when ambiguous
 */
export async function newestCertificateVersion (q: Queryable, certificateNo: string, funeralHome: string | undefined): Promise<NewestVersion> {
  const r = await q.query<NewestVersion>(
    `SELECT DISTINCT ON (source) id, source, notice_id, version, status, received_at FROM records
      WHERE kind = 'cremation' AND document_no = $1 AND ($2::text IS NULL OR source = $2)
      ORDER BY source, version DESC`, [certificateNo, funeralHome ?? null])
  if (r.rows.length > 1) throw ambiguousCertificate(r.rows.map(row => row.source))
  const row = r.rows[0]
  if (row === undefined) throw cremationNotFound()
  return row
}
