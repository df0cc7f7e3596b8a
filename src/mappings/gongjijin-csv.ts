import { compactDate, localDate } from '../domain/business-date.js'
import { defineFileMapping, noticeRowValues } from './file-mapping.js'

/**
 * 住房公积金中心: 个人账户封存 (DESIGN §2), one row per notice in the daily GBK batch file.
 * Widths are bytes in GBK (a 汉字 takes 2); dates are `YYYYMMDD`, 8 bytes, in every file the hub writes.
 */
export const GONGJIJIN_COLUMNS = [
  { key: 'noticeId', label: '通知编号', width: 32 },
  { key: 'version', label: '版本', width: 4 },
  { key: 'event', label: '事件', width: 16 },
  { key: 'name', label: '姓名', width: 40 },
  { key: 'idType', label: '证件类型', width: 2 },
  { key: 'idNumber', label: '证件号码', width: 18 },
  { key: 'deathDate', label: '死亡日期', width: 8 },
  { key: 'sealFrom', label: '封存日期', width: 8 },
  { key: 'certificateNo', label: '火化证明编号', width: 40 },
  { key: 'corroboration', label: '佐证', width: 24 },
  { key: 'voidReason', label: '撤销原因', width: 200 }
] as const

export const gongjijinCsvMapping = defineFileMapping('gongjijin-csv-v1', GONGJIJIN_COLUMNS, (record, ctx) => {
  const deathDate = localDate(record.death.time, ctx.timeZone)
  return {
    ...noticeRowValues(record, ctx),
    deathDate: compactDate(deathDate),
    // Sealed from the date of death: the employment that the deposits rest on ends that day,
    // as 人社's contributions do (DESIGN §6). A sealed account still earns interest and is paid
    // out whole by 死亡提取, so the earliest date costs the heirs nothing; whether the month of
    // death's deposit stays or is refunded is the centre's rule, applied to this date.
    sealFrom: compactDate(deathDate)
  }
})
