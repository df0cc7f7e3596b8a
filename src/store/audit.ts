import { createHash } from 'node:crypto'
import type { Db, Queryable } from './db.js'

/** One thing that happened, for the append-only audit trail. Never holds personal data. */
export interface AuditEvent {
  actor: string
  action: string
  /** What it happened to: `record:<id>`, `delivery:<id>`, … */
  entity: string
  details: Record<string, unknown>
}

const GENESIS = '0'.repeat(64)

/** Appends events inside the caller's transaction; the sealer chains them later. */
export async function appendAudit (q: Queryable, events: readonly AuditEvent[], at = new Date()): Promise<void> {
  if (events.length === 0) return
  const params: unknown[] = []
  const rows = events.map(e => {
    params.push(at, e.actor, e.action, e.entity, JSON.stringify(e.details))
    const n = params.length
    return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::json)`
  })
  await q.query(`INSERT INTO audit_events (at, actor, action, entity, details) VALUES ${rows.join(', ')}`, params)
}

interface AuditRow {
  id: string
  at: Date
  actor: string
  action: string
  entity: string
  details: unknown
  details_text: string
  chain_seq: string | null
  prev_hash: string | null
  hash: string | null
}

/** The hash of one event: SHA-256 over the previous hash and the event's stored fields. */
export function auditHash (prevHash: string, row: Pick<AuditRow, 'at' | 'actor' | 'action' | 'entity' | 'details_text'>): string {
  return createHash('sha256')
    .update([prevHash, row.at.toISOString(), row.actor, row.action, row.entity, row.details_text].join('\n'))
    .digest('hex')
}

const SELECT_ROWS = `SELECT id::text AS id, at, actor, action, entity, details::text AS details_text,
  chain_seq::text AS chain_seq, prev_hash, hash FROM audit_events`

/** The end of the sealed chain. Logged after each seal, it anchors the chain outside the database. */
export interface ChainHead {
  chainSeq: number
  hash: string
}

/**
 * Chains unsealed events in the order it finds them (DESIGN §9: hash-chained audit log).
 * Runs in one transaction under an advisory lock, so two sealers never fork the chain.
 */
export async function sealAudit (db: Db, batchSize = 5000): Promise<{ sealed: number, head: ChainHead }> {
  return await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [7_301_002])
    const head = await tx.query<{ chain_seq: string, hash: string }>(
      // Qualified: a bare name in ORDER BY is the text output column, and '9' sorts after '22'.
      'SELECT chain_seq::text AS chain_seq, hash FROM audit_events WHERE chain_seq IS NOT NULL ORDER BY audit_events.chain_seq DESC LIMIT 1')
    let seq = Number(head.rows[0]?.chain_seq ?? 0)
    let prev = head.rows[0]?.hash ?? GENESIS
    const rows = await tx.query<AuditRow>(`${SELECT_ROWS} WHERE chain_seq IS NULL ORDER BY audit_events.id LIMIT $1`, [batchSize])
    const links = rows.rows.map(row => {
      seq += 1
      const hash = auditHash(prev, row)
      const link = [row.id, seq, prev, hash] as const
      prev = hash
      return link
    })
    // One UPDATE for the whole batch, not one per event, with a fixed text (arrays, not a
    // VALUES list of varying length) so it is prepared once.
    if (links.length > 0) {
      await tx.query(`UPDATE audit_events a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash
        FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev, hash) WHERE a.id = v.id`,
      [links.map(l => l[0]), links.map(l => l[1]), links.map(l => l[2]), links.map(l => l[3])])
    }
    return { sealed: links.length, head: { chainSeq: seq, hash: prev } }
  })
}

/**
 * Recomputes the chain; reports the first event whose stored hash or link does not match.
 * Given a head recorded earlier (from the log), it also proves no sealed event was cut off the end.
 */
export async function verifyAudit (db: Db, anchor?: ChainHead): Promise<{ ok: true, sealed: number } | { ok: false, brokenAt: string, reason: string }> {
  const rows = await db.query<AuditRow>(`${SELECT_ROWS} WHERE chain_seq IS NOT NULL ORDER BY audit_events.chain_seq`)
  let prev = GENESIS
  let expectedSeq = 1
  for (const row of rows.rows) {
    if (Number(row.chain_seq) !== expectedSeq) return { ok: false, brokenAt: row.id, reason: `chain_seq ${row.chain_seq ?? '?'} ≠ ${expectedSeq}` }
    if (row.prev_hash !== prev) return { ok: false, brokenAt: row.id, reason: 'prev_hash does not link to the previous event' }
    if (auditHash(prev, row) !== row.hash) return { ok: false, brokenAt: row.id, reason: 'hash does not match the event' }
    if (anchor !== undefined && Number(row.chain_seq) === anchor.chainSeq && row.hash !== anchor.hash) {
      return { ok: false, brokenAt: row.id, reason: 'differs from the recorded chain head' }
    }
    prev = row.hash
    expectedSeq += 1
  }
  if (anchor !== undefined && rows.rows.length < anchor.chainSeq) {
    return { ok: false, brokenAt: String(rows.rows.length + 1), reason: `chain ends at ${rows.rows.length}, the recorded head is ${anchor.chainSeq}` }
  }
  return { ok: true, sealed: rows.rows.length }
}
