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
  /**
   * Which sources confirm the death when the message is built (DESIGN §6): the cremation
   * record alone, or corroborated by a death medical certificate. @defaultValue 'cremation'
   */
  corroboration?: Corroboration
  /** Why the notice was voided; set only for `notice.voided`. */
  voidReason?: string
}

export type Corroboration = 'cremation' | 'cremation+certificate'

/** One column of a department's file layout (SFTP targets). */
export interface FileColumn {
  /** Key of the value in the mapped row. */
  key: string
  /** Column title in the header line (the department's own wording). */
  label: string
  /** Width in bytes of the file's encoding, for fixed-width files (a GBK 汉字 takes 2). */
  width: number
  /**
   * Free text that a fixed-width file may cut, at a whole character, when it does not fit
   * (a void reason). Without it a value that does not fit is refused: a cut name or ID number
   * could name someone else. @defaultValue undefined (refuse)
   */
  cut?: true
}

/**
 * A mapping whose message is one line of a department's file: a flat row of strings, laid out
 * by `columns` as CSV or fixed width (the target's `sftp.format`).
 */
export interface FileMapping extends Mapping<Record<string, string>> {
  readonly columns: readonly FileColumn[]
}

export function isFileMapping (m: Mapping): m is FileMapping {
  return Array.isArray((m as Partial<FileMapping>).columns)
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
