import type { Mapping } from './mapping.js'
import { noticeHeader, type NoticeHeader } from './notice-header.js'
import { deathDates, funeralHomeOf, householdDivisionOf } from './notice-facts.js'

/** 民政: 低保/特困供养 and elderly-care benefits stop (DESIGN §2). No informant, no address. */
export interface MinzhengNotice extends NoticeHeader {
  /** GB/T 2260 code of the household registration, when the funeral home knew it. */
  householdDivision?: string
  /** `YYYY-MM-DD`, local to the county. */
  deathDate: string
  /** First day of the month after the (local) month of death (Hunan rules, DESIGN §6). */
  stopFrom: string
  funeralHome: { code: string, name: string }
}

export const minzhengRestMapping: Mapping<MinzhengNotice> = {
  name: 'minzheng-rest-v1',
  map: (record, ctx) => ({
    ...noticeHeader(record, ctx),
    ...householdDivisionOf(record),
    ...deathDates(record, ctx, 'next-month'),
    funeralHome: funeralHomeOf(record)
  })
}
