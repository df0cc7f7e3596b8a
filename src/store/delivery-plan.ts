import type { EventType, TargetConfig } from '../config/schema.js'
import type { DispatchItem } from '../queues/dispatcher.js'
import type { Queryable } from './db.js'
import { deliveryId } from './ids.js'

/** A delivery the hub has committed to make. */
export interface PlannedDelivery {
  id: string
  target: string
  department: string
  event: string
  status: string
  /** Set while the delivery waits for a second source (a death certificate). */
  awaiting?: 'corroboration'
}

/** One delivery to insert, before the database says how it starts. */
export interface DeliveryRow {
  id: string
  target: string
  department: string
  event: EventType
  /** Cooling-off: not before this many milliseconds from now. */
  holdMs: number
  /** Held until a death certificate corroborates the notice. */
  awaitsCorroboration: boolean
}

/**
 * The deliveries of one notice version. Only a new death notice is held or waits for
 * corroboration: an update or a void carries news about something already sent, and a void must
 * reach the department as soon as possible so it can restore what it stopped.
 */
/** What planning needs of a target: a configured one, or only the code and department of one
 * that had the notice (a void reaches it even if it is disabled or gone from config now). */
export type PlanTarget = { code: string, department: string } & Partial<Pick<TargetConfig, 'holdMinutes' | 'requireCorroboration'>>

export function planRows (
  notice: string, version: number, event: EventType, targets: readonly PlanTarget[], holdLeftMs = (t: PlanTarget) => (t.holdMinutes ?? 0) * 60_000
): DeliveryRow[] {
  const fresh = event === 'notice.created'
  return targets.map(t => ({
    id: deliveryId(notice, t.code, event, version),
    target: t.code,
    department: t.department,
    event,
    holdMs: fresh ? Math.max(0, holdLeftMs(t)) : 0,
    awaitsCorroboration: fresh && t.requireCorroboration === true
  }))
}

/**
 * Inserts deliveries for one record version. A delivery is `held` while its hold runs or while it
 * awaits corroboration (when the notice has none yet), else `queued`.
 */
export async function insertDeliveries (
  q: Queryable, notice: string, recordId: string, version: number, rows: readonly DeliveryRow[], corroborated: boolean
): Promise<PlannedDelivery[]> {
  if (rows.length === 0) return []
  const r = await q.query<{ id: string, target: string, department: string, event: string, status: string, awaiting: string | null }>(
    `INSERT INTO deliveries (id, notice_id, record_id, target, department, event, version, status, next_attempt_at, awaiting)
     SELECT v.id, $1, $2, v.target, v.department, v.event, $3,
            CASE WHEN v.hold_ms > 0 OR v.awaits THEN 'held' ELSE 'queued' END,
            now() + v.hold_ms * interval '1 millisecond',
            CASE WHEN v.awaits THEN 'corroboration' END
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::boolean[])
         AS v(id, target, department, event, hold_ms, awaits)
     RETURNING id, target, department, event, status, awaiting`,
    [notice, recordId, version, rows.map(d => d.id), rows.map(d => d.target), rows.map(d => d.department), rows.map(d => d.event),
      rows.map(d => d.holdMs), rows.map(d => d.awaitsCorroboration && !corroborated)])
  return r.rows.map(toPlanned)
}

export function toPlanned (row: { id: string, target: string, department: string, event: string, status: string, awaiting?: string | null }): PlannedDelivery {
  return {
    id: row.id,
    target: row.target,
    department: row.department,
    event: row.event,
    status: row.status,
    ...(row.awaiting === 'corroboration' ? { awaiting: 'corroboration' as const } : {})
  }
}

/** What the dispatcher needs: held deliveries wait out their hold in the queue's delay. */
export function toDispatch (planned: readonly PlannedDelivery[], rows: readonly DeliveryRow[]): DispatchItem[] {
  const hold = new Map(rows.map(r => [r.id, r.holdMs]))
  return planned.filter(p => p.awaiting === undefined).map(p => ({ id: p.id, target: p.target, delayMs: hold.get(p.id) ?? 0 }))
}
