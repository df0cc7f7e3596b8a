import type { EventType } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'

/** What a mapping may know besides the record: no clock, no I/O, everything passed in. */
export interface MappingContext {
  noticeId: string
  version: number
  event: EventType
  /** IANA zone in which business dates (date of death, following month) are computed. */
  timeZone: string
  /** GB/T 2260 code of the county the hub serves. */
  countyCode: string
}

/**
 * Shapes the canonical record into one department's message. A mapping is a pure function:
 * no I/O, no logs, no clock. It returns only the fields that department needs (data minimisation).
 * It throws MappingError when the record cannot be expressed in the department's format.
 */
export interface Mapping<T = unknown> {
  readonly name: string
  map (record: CremationRecord, ctx: MappingContext): T
}

export class MappingError extends Error {
  override readonly name = 'MappingError'
}
