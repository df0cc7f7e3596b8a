import type { Mapping } from './mapping.js'
import { noticeHeader, type NoticeHeader } from './notice-header.js'
import { deathDates } from './notice-facts.js'

/**
 * 人社: 退休金发放、社会保险缴费、养老保险个人账户划拨终止 (DESIGN §2), delivered over SOAP.
 * The WSDL is written against exactly these fields: adding or renaming one breaks the contract.
 */
export interface RensheNotice extends NoticeHeader {
  /** `YYYY-MM-DD`, local to the county. */
  deathDate: string
  /** Pension, contributions and personal-account allocation stop from the date of death (Hunan rules, DESIGN §6). */
  stopFrom: string
}

export const rensheSoapMapping: Mapping<RensheNotice> = {
  name: 'renshe-soap-v1',
  map: (record, ctx) => ({
    ...noticeHeader(record, ctx),
    ...deathDates(record, ctx, 'death-date')
  })
}
