import { compactDate, firstDayOfNextMonth, localDate } from '../domain/business-date.js'
import { defineFileMapping, noticeRowValues } from './file-mapping.js'

/**
 * 县残联: 残疾人补贴待遇终止 (困难残疾人生活补贴、重度残疾人护理补贴; DESIGN §2), one file per
 * notice. Widths are bytes in GBK (a 汉字 takes 2); dates are `YYYYMMDD`, 8 bytes.
 */
export const CANLIAN_COLUMNS = [
  { key: 'noticeId', label: '通知编号', width: 32 },
  { key: 'version', label: '版本', width: 4 },
  { key: 'event', label: '事件', width: 16 },
  { key: 'name', label: '姓名', width: 40 },
  { key: 'idType', label: '证件类型', width: 2 },
  { key: 'idNumber', label: '证件号码', width: 18 },
  // The subsidies are paid through the township of household registration; '' when unknown.
  { key: 'householdDivision', label: '户籍地区划代码', width: 6 },
  { key: 'deathDate', label: '死亡日期', width: 8 },
  { key: 'stopFrom', label: '停发日期', width: 8 },
  { key: 'certificateNo', label: '火化证明编号', width: 40 },
  { key: 'corroboration', label: '佐证', width: 24 },
  { key: 'voidReason', label: '撤销原因', width: 200 }
] as const

export const canlianCsvMapping = defineFileMapping('canlian-csv-v1', CANLIAN_COLUMNS, (record, ctx) => {
  const deathDate = localDate(record.death.time, ctx.timeZone)
  return {
    ...noticeRowValues(record, ctx),
    householdDivision: record.deceased.householdDivision ?? '',
    deathDate: compactDate(deathDate),
    // 残联 subsidies are paid by the month: the month of death is due, the next is not (DESIGN §6).
    stopFrom: compactDate(firstDayOfNextMonth(deathDate))
  }
})
