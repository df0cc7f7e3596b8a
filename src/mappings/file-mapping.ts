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
  const frozen: readonly FileColumn[] = Object.freeze(columns.map((c) =>
    Object.freeze({ key: c.key, label: c.label, width: c.width, ...(c.cut === true ? { cut: true as const } : {}) })))
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

/**
 * The columns every department file opens with: which notice, and whose death (the values of
 * `noticeRowValues`). Widths are bytes in GBK (a 汉字 takes 2) and hold whatever validation
 * accepts, since a fixed-width file refuses what does not fit: a name of up to 50 characters
 * (100 bytes), a document number other than the ID card of up to 30 (src/domain/check-deceased.ts).
 */
export const NOTICE_LEAD_COLUMNS = [
  { key: 'noticeId', label: '通知编号', width: 32 },
  { key: 'version', label: '版本', width: 4 },
  { key: 'event', label: '事件', width: 16 },
  { key: 'name', label: '姓名', width: 100 },
  { key: 'idType', label: '证件类型', width: 2 },
  { key: 'idNumber', label: '证件号码', width: 30 }
] as const

/** Dates are `YYYYMMDD`, 8 bytes, in every file the hub writes. */
export const DEATH_DATE_COLUMN = { key: 'deathDate', label: '死亡日期', width: 8 } as const

/**
 * The columns every department file closes with: the certificate, its corroboration, and why a
 * notice was voided. The reason is the one free text: it holds the 100 汉字 the API accepts,
 * and anything longer is cut rather than refused, since a refused line would keep the void
 * from reaching the department and a living person's benefits stopped.
 */
export const NOTICE_TAIL_COLUMNS = [
  { key: 'certificateNo', label: '火化证明编号', width: 40 },
  { key: 'corroboration', label: '佐证', width: 24 },
  { key: 'voidReason', label: '撤销原因', width: 200, cut: true }
] as const

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
