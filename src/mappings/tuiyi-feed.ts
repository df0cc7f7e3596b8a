import type { Mapping } from './mapping.js'
import { noticeHeader, type NoticeHeader } from './notice-header.js'
import { deathDates, funeralHomeOf } from './notice-facts.js'

/**
 * 退役军人事务局: 优抚对象丧葬补助费和抚恤金待遇终止 (DESIGN §2), read from the pull feed.
 * No informant, no address: the bureau matches its 优抚对象 by ID number.
 */
export interface TuiyiNotice extends NoticeHeader {
  /** `YYYY-MM-DD`, local to the county. */
  deathDate: string
  /**
   * First day of the month after the (local) month of death. DESIGN §6 is silent on 优抚; the
   * rule for 优抚对象 (《伤残抚恤管理办法》: 伤残人员死亡的，从死亡后的第二个月起停发伤残抚恤金;
   * Hunan pays 定期抚恤补助 by the month the same way) is that the month of death is still
   * paid in full and payment stops from the following month — the same rule as 民政 and 残联.
   */
  stopFrom: string
  /** Where the deceased was cremated: the bureau issues the 丧葬补助费 and may check the cremation. */
  funeralHome: { code: string, name: string }
}

export const tuiyiFeedMapping: Mapping<TuiyiNotice> = {
  name: 'tuiyi-feed-v1',
  map: (record, ctx) => ({
    ...noticeHeader(record, ctx),
    ...deathDates(record, ctx, 'next-month'),
    funeralHome: funeralHomeOf(record)
  })
}
