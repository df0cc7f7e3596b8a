import type { EventType } from '../config/schema.js'
import type { Corroboration, MappingContext } from './mapping.js'

/** What a stored delivery says about the message it carries. */
export interface DeliveryFacts {
  noticeId: string
  version: number
  event: string
  /** What the message says of corroboration: fixed when the delivery was first sent, served or batched (the notice's own before that); `certificate` alone never has deliveries. */
  corroboration: string
  voidReason?: string | null
}

/**
 * The one way every transport (push, batch file, pull feed) builds a mapping's context, so a
 * department reads the same facts whichever way its messages travel.
 */
export function mappingContext (d: DeliveryFacts, county: { timeZone: string, countyCode: string }): MappingContext {
  const corroboration: Corroboration = d.corroboration === 'cremation+certificate' ? 'cremation+certificate' : 'cremation'
  return {
    noticeId: d.noticeId,
    version: d.version,
    event: d.event as EventType,
    timeZone: county.timeZone,
    countyCode: county.countyCode,
    corroboration,
    ...(d.event === 'notice.voided' && typeof d.voidReason === 'string' ? { voidReason: d.voidReason } : {})
  }
}
