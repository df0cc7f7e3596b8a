import type { Mapping } from './mapping.js'
import { noticeHeader, type NoticeHeader } from './notice-header.js'
import { deathDates } from './notice-facts.js'

/** 医保: personal-account allocation, special-disease and special-drug benefits stop (DESIGN §2). */
export interface YibaoNotice extends NoticeHeader {
  /** `YYYY-MM-DD`, local to the county. */
  deathDate: string
  /** First day on which no allocation or benefit is due. */
  stopFrom: string
}

export const yibaoRestMapping: Mapping<YibaoNotice> = {
  name: 'yibao-rest-v1',
  map: (record, ctx) => ({
    ...noticeHeader(record, ctx),
    // DESIGN §6 names only 人社 (date of death) and 民政/残联 (following month). 医保 is paid
    // like 人社's benefits, to a living insured person: personal-account allocation and the
    // special-disease/drug benefits end with the insured status, i.e. from the date of death.
    ...deathDates(record, ctx, 'death-date')
  })
}
