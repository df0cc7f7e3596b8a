import { compactDate } from '../domain/business-date.js'
import {
  DEATH_DATE_COLUMN, defineFileMapping, NOTICE_LEAD_COLUMNS, NOTICE_TAIL_COLUMNS, noticeRowValues
} from './file-mapping.js'
import { deathDates } from './notice-facts.js'

/**
 * 住房公积金中心: 个人账户封存 (DESIGN §2), one row per notice in the daily GBK batch file.
 * Widths are bytes in GBK (a 汉字 takes 2); dates are `YYYYMMDD`, 8 bytes, in every file the hub writes.
 */
export const GONGJIJIN_COLUMNS = [
  ...NOTICE_LEAD_COLUMNS,
  DEATH_DATE_COLUMN,
  { key: 'sealFrom', label: '封存日期', width: 8 },
  ...NOTICE_TAIL_COLUMNS
] as const

export const gongjijinCsvMapping = defineFileMapping('gongjijin-csv-v1', GONGJIJIN_COLUMNS, (record, ctx) => {
  // Sealed from the date of death: the employment that the deposits rest on ends that day,
  // as 人社's contributions do (DESIGN §6). A sealed account still earns interest and is paid
  // out whole by 死亡提取, so the earliest date costs the heirs nothing; whether the month of
  // death's deposit stays or is refunded is the centre's rule, applied to this date.
  const { deathDate, stopFrom } = deathDates(record, ctx, 'death-date')
  return {
    ...noticeRowValues(record, ctx),
    deathDate: compactDate(deathDate),
    sealFrom: compactDate(stopFrom)
  }
})
