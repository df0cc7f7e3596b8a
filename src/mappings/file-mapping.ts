import type { CremationRecord } from '../domain/cremation-record.js'
import type { FileColumn, FileMapping, MappingContext } from './mapping.js'
import { noticeHeader } from './notice-header.js'

/** One string per column key, and no other key. */
export type RowOf<C extends readonly FileColumn[]> = { [K in C[number]['key']]: string }

/**
 * A FileMapping whose rows hold exactly the column keys, in column order, whatever `values`
 * builds: the file layout is the one list of what leaves the hub (data minimisation).
 */
export function defineFileMapping<const C extends readonly FileColumn[]> (
  name: string,
  columns: C,
  values: (record: CremationRecord, ctx: MappingContext) => RowOf<C>
): FileMapping {
  const frozen: readonly FileColumn[] = Object.freeze(columns.map((c) => Object.freeze({ key: c.key, label: c.label, width: c.width })))
  return Object.freeze({
    name,
    columns: frozen,
    map (record: CremationRecord, ctx: MappingContext): Record<string, string> {
      const v = values(record, ctx) as Record<string, string>
      const row: Record<string, string> = {}
      for (const c of frozen) row[c.key] = v[c.key] ?? ''
      return row
    }
  })
}

/** The notice header as file values: which notice, and whose death. No gender: no file needs it. */
export interface NoticeRowValues {
  noticeId: string
  version: string
  event: string
  certificateNo: string
  name: string
  idType: string
  idNumber: string
  corroboration: string
  /** Empty unless the notice is voided. */
  voidReason: string
}

export function noticeRowValues (record: CremationRecord, ctx: MappingContext): NoticeRowValues {
  const h = noticeHeader(record, ctx)
  return {
    noticeId: h.noticeId,
    version: String(h.version),
    event: h.event,
    certificateNo: h.certificateNo,
    name: h.name,
    idType: h.idType,
    idNumber: h.idNumber,
    corroboration: h.corroboration,
    voidReason: oneLine(h.voidReason ?? '')
  }
}

/**
 * Free text on one line: a row is one line of the file, and a line break inside a fixed-width
 * field (or a CSV reader that does not honour quotes) would split the row in two.
 */
export function oneLine (text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, ' ').trim()
}
