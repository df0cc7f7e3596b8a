import type { DeathCertificate } from '../domain/death-certificate.js'
import { deathCertificateSubject } from '../domain/death-certificate.js'
import { deathCertificateConflict } from '../errors.js'
import type { DispatchItem } from '../queues/dispatcher.js'
import type { FieldCrypto } from '../security/crypto.js'
import { appendAudit } from './audit.js'
import { canonicalJson } from './canonical-json.js'
import type { Db } from './db.js'
import { noticeId, recordId } from './ids.js'
import { lockNotice, type LockedNotice } from './notice-lock.js'

export interface DeathCertificateResult {
  /** `created` the first time; `duplicate` when the same certificate was already stored. */
  outcome: 'created' | 'duplicate'
  noticeId: string
  /** `certificate` until a cremation record of the same person arrives, then `cremation+certificate`. */
  corroboration: LockedNotice['corroboration']
  /** Deliveries that were waiting for this second source and may now go out. */
  released: string[]
  dispatch: DispatchItem[]
}

/**
 * Stores a death medical certificate and merges it into the person's notice through the blind
 * index (DESIGN §6 "Hold and corroboration"). If the cremation record is there, the notice is
 * corroborated and every delivery that waited for a second source is released; if not, the
 * notice waits for the cremation record, which then starts out corroborated.
 *
 * The certificate number is the deceased's ID number since 2026-07-01, so it is stored only as a
 * keyed hash (in `document_no`) and inside the sealed personal fields.
 */
export async function ingestDeathCertificate (db: Db, crypto: FieldCrypto, cert: DeathCertificate, actor: string): Promise<DeathCertificateResult> {
  const subjectKey = crypto.blindIndex(deathCertificateSubject(cert))
  const contentHash = crypto.blindIndex(canonicalJson(cert))
  const documentKey = crypto.blindIndex(`death-certificate:${cert.certificateNo}`)
  const source = cert.issuer.creditCode
  const notice = noticeId(subjectKey)
  const id = recordId('death-certificate', source, documentKey, 1)
  return await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO notices (id, subject_key, version, corroboration, has_cremation) VALUES ($1, $2, 0, 'certificate', false)
       ON CONFLICT (subject_key) DO NOTHING`, [notice, subjectKey])
    const locked = await lockNotice(tx, notice)
    const prior = await tx.query<{ content_hash: string }>(
      "SELECT content_hash FROM records WHERE kind = 'death-certificate' AND source = $1 AND document_no = $2", [source, documentKey])
    if (prior.rows[0] !== undefined) {
      if (prior.rows[0].content_hash !== contentHash) throw deathCertificateConflict()
      return { outcome: 'duplicate', noticeId: notice, corroboration: locked.corroboration, released: [], dispatch: [] }
    }
    const { deceased, certificateNo, ...rest } = cert
    const { name, idNumber, birthDate, ethnicity, ...deceasedRest } = deceased
    await tx.query(
      `INSERT INTO records (id, kind, source, document_no, version, notice_id, subject_key, content_hash, key_id, personal_enc, data)
       VALUES ($1, 'death-certificate', $2, $3, 1, $4, $5, $6, $7, $8, $9::jsonb)`,
      [id, source, documentKey, notice, subjectKey, contentHash, crypto.keyId,
        crypto.seal({ certificateNo, deceased: { name, idNumber, birthDate, ethnicity } }),
        JSON.stringify({ ...rest, deceased: deceasedRest })])
    const corroboration = locked.hasCremation ? 'cremation+certificate' : 'certificate'
    await tx.query('UPDATE notices SET corroboration = $2, updated_at = now() WHERE id = $1', [notice, corroboration])
    // Waiting deliveries go out now, or when what is left of their hold ends.
    const released = await tx.query<{ id: string, target: string, due_in_ms: number }>(
      `UPDATE deliveries SET awaiting = NULL, updated_at = now()
        WHERE notice_id = $1 AND awaiting = 'corroboration' AND status = 'held'
        RETURNING id, target, greatest(0, extract(epoch FROM next_attempt_at - now()) * 1000)::float8 AS due_in_ms`, [notice])
    const releasedIds = released.rows.map(r => r.id).sort()
    await appendAudit(tx, [
      { actor, action: 'record.received', entity: `record:${id}`, details: { kind: 'death-certificate', noticeId: notice, corroboration } },
      ...(locked.hasCremation
        ? [{ actor, action: 'notice.corroborated', entity: `notice:${notice}`, details: { corroboration, released: releasedIds } }]
        : [])
    ])
    return {
      outcome: 'created',
      noticeId: notice,
      corroboration,
      released: releasedIds,
      dispatch: released.rows.map(r => ({ id: r.id, target: r.target, delayMs: Number(r.due_in_ms) }))
    }
  })
}
