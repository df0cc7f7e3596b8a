import type { EventType, TargetConfig } from '../config/schema.js'

/** What routing needs to know about the deceased: where the household register is held. */
export interface RoutingFacts {
  /** Code of the 派出所 holding the household register, when the record names one. */
  policeStation?: string
}

/**
 * Which department targets receive an event (DESIGN §6 "Routing"). Disabled targets receive
 * nothing; a target enabled later is brought up to date by a backfill, not by this plan.
 */
export function routeEvent (targets: readonly TargetConfig[], event: EventType): TargetConfig[] {
  return targets.filter(t => t.enabled && t.events.includes(event))
}

/**
 * The targets one record goes to. A target without a route takes every record. Among a
 * department's routed targets (公安, one per 派出所), the record goes to those listing its police
 * station; when none does — no station in the record, or one outside the county — it goes to
 * the department's default target, so no death notice is ever left without a receiver.
 */
export function routeRecord (targets: readonly TargetConfig[], event: EventType, facts: RoutingFacts): TargetConfig[] {
  const candidates = routeEvent(targets, event)
  const chosen: TargetConfig[] = []
  const byDepartment = new Map<string, TargetConfig[]>()
  for (const t of candidates) {
    if (t.route === undefined) {
      chosen.push(t)
      continue
    }
    const list = byDepartment.get(t.department)
    if (list === undefined) byDepartment.set(t.department, [t])
    else list.push(t)
  }
  for (const routed of byDepartment.values()) {
    const station = facts.policeStation
    const matched = station === undefined ? [] : routed.filter(t => t.route?.policeStations?.includes(station) === true)
    chosen.push(...(matched.length > 0 ? matched : routed.filter(t => t.route?.default === true)))
  }
  // Keep the configured order, so plans and queues read the same way as the config.
  return candidates.filter(t => chosen.includes(t))
}
