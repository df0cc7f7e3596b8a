import type { Queryable } from './db.js'

/**
 * A delivery `d` that must never go out any more (DESIGN §6): its notice was voided (and it is
 * not the void message itself), or a newer version exists for the same person and department
 * (and it is not a void).
 * Voids and corrections retire what is waiting when they commit; these conditions catch what
 * was in flight then and came back (a failed attempt, an expired lease, a batch retry).
 */
const BY_VOID = `(d.event <> 'notice.voided' AND EXISTS (SELECT 1 FROM notices n WHERE n.id = d.notice_id AND n.status = 'voided'))`
// A void is never overtaken: when a person reported by mistake is later reported dead for real,
// the department restores what it stopped (the void), then acts on the new report, in order.
const BY_VERSION = `(d.event <> 'notice.voided' AND EXISTS (SELECT 1 FROM deliveries o WHERE o.notice_id = d.notice_id AND o.target = d.target AND o.version > d.version))`

/**
 * Per (person, department), messages go out in version order (DESIGN §6): a version waits while
 * an older one for the same target may still be on its way (a correction supersedes older ones
 * that have not gone out, so this only waits for an attempt in flight or a file being written).
 * SQL condition on the alias `d`.
 */
export const OLDER_IN_FLIGHT = `EXISTS (SELECT 1 FROM deliveries o WHERE o.notice_id = d.notice_id AND o.target = d.target
  AND o.version < d.version AND o.status IN ('held', 'queued', 'retrying', 'delivering'))`

/** SQL condition on the alias `d`. */
export const OVERTAKEN = `(${BY_VOID} OR ${BY_VERSION})`

/** SQL: the status an overtaken delivery `d` ends in. */
export const OVERTAKEN_STATUS = `CASE WHEN ${BY_VOID} THEN 'cancelled' ELSE 'superseded' END`

/**
 * Moves overtaken deliveries that are waiting (or whose holder's lease ran out) to `cancelled`
 * or `superseded`, each with its audit event, instead of sending them.
 * @returns the deliveries retired
 */
export async function retireOvertaken (
  q: Queryable,
  scope: { ids: readonly string[], ownLease?: boolean } | { target: string } | { olderThan: readonly string[] },
  actor: string
): Promise<Array<{ id: string, status: string }>> {
  const [where, param] = 'ids' in scope
    ? ['d.id = ANY($1::text[])', scope.ids]
    : 'target' in scope
      ? ['d.target = $1', scope.target]
      // Older versions for the same person and department as the given deliveries.
      : [`d.id IN (SELECT o.id FROM deliveries o JOIN deliveries b ON b.notice_id = o.notice_id AND b.target = o.target
            AND b.version > o.version WHERE b.id = ANY($1::text[]))`, scope.olderThan]
  // `ownLease`: the caller holds these deliveries itself (an SFTP batch it has just leased).
  const held = 'ids' in scope && scope.ownLease === true ? "d.status = 'delivering'" : "(d.status = 'delivering' AND d.lease_until < now())"
  const r = await q.query<{ id: string, status: string }>(
    `WITH o AS (
       UPDATE deliveries d SET status = ${OVERTAKEN_STATUS}, lease_until = NULL, updated_at = now()
        WHERE ${where} AND (d.status IN ('held', 'queued', 'retrying') OR ${held})
          AND ${OVERTAKEN}
        RETURNING d.id, d.target, d.status),
     a AS (
       INSERT INTO audit_events (at, actor, action, entity, details)
       SELECT now(), $2, 'delivery.' || o.status, 'delivery:' || o.id, json_build_object('target', o.target, 'reason', 'overtaken') FROM o)
     SELECT id, status FROM o ORDER BY id`, [param, actor])
  return r.rows
}
