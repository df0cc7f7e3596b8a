import type { EventType, TargetConfig } from '../config/schema.js'

/**
 * Which department targets receive an event (DESIGN §6 "Routing"). Disabled targets receive
 * nothing; a target enabled later is brought up to date by a backfill, not by this plan.
 */
export function routeEvent (targets: readonly TargetConfig[], event: EventType): TargetConfig[] {
  return targets.filter(t => t.enabled && t.events.includes(event))
}
