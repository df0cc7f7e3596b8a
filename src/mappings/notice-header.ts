import type { EventType } from '../config/schema.js'
import type { GenderCode, IdTypeCode } from '../domain/codes.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { Corroboration, MappingContext } from './mapping.js'

/** What every department's death notice starts with: which notice, and whose death. */
export interface NoticeHeader {
  noticeId: string
  version: number
  event: EventType
  /** 火化证明编号 */
  certificateNo: string
  name: string
  /** ID document type (death-certificate code table), so a passport number is not read as an ID card number. */
  idType: IdTypeCode
  idNumber: string
  gender: GenderCode
  /** Which sources confirm the death: the cremation record alone, or also a death certificate. */
  corroboration: Corroboration
  /** Only in `notice.voided`: why the report was withdrawn, so the department can restore what it stopped. */
  voidReason?: string
}

export function noticeHeader (record: CremationRecord, ctx: MappingContext): NoticeHeader {
  return {
    noticeId: ctx.noticeId,
    version: ctx.version,
    event: ctx.event,
    certificateNo: record.certificateNo,
    name: record.deceased.name,
    idType: record.deceased.idType,
    idNumber: record.deceased.idNumber,
    gender: record.deceased.gender,
    corroboration: ctx.corroboration ?? 'cremation',
    ...(ctx.event === 'notice.voided' && ctx.voidReason !== undefined ? { voidReason: ctx.voidReason } : {})
  }
}
