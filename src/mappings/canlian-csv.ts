import { compactDate } from '../domain/business-date.js'
import {
  DEATH_DATE_COLUMN, defineFileMapping, NOTICE_LEAD_COLUMNS, NOTICE_TAIL_COLUMNS, noticeRowValues
} from './file-mapping.js'
import { deathDates } from './notice-facts.js'

/**
 * 县残联: 残疾人补贴待遇终止 (困难残疾人生活补贴、重度残疾人护理补贴; DESIGN §2), one file per
 * notice. Widths are bytes in GBK (a 汉字 takes 2); dates are `YYYYMMDD`, 8 bytes.
 */
export const CANLIAN_COLUMNS = [
  ...NOTICE_LEAD_COLUMNS,
  // The subsidies are paid through the township of household registration; '' when unknown.
  { key: 'householdDivision', label: '户籍地区划代码', width: 6 },
  DEATH_DATE_COLUMN,
  { key: 'stopFrom', label: '停发日期', width: 8 },
  ...NOTICE_TAIL_COLUMNS
] as const

export const canlianCsvMapping = defineFileMapping('canlian-csv-v1', CANLIAN_COLUMNS, (record, ctx) => {
  // 残联 subsidies are paid by the month: the month of death is due, the next is not (DESIGN §6).
  const { deathDate, stopFrom } = deathDates(record, ctx, 'next-month')
  return {
    ...noticeRowValues(record, ctx),
    householdDivision: record.deceased.householdDivision ?? '',
    deathDate: compactDate(deathDate),
    stopFrom: compactDate(stopFrom)
  }
})
