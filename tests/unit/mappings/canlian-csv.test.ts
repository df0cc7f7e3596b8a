import { describe, expect, it } from 'vitest'
import { canlianCsvMapping } from '../../../src/mappings/canlian-csv.js'
import { isFileMapping } from '../../../src/mappings/mapping.js'
import { bareRecord, ctx, diedAt, fullRecord, VOID_REASON, voidedCtx } from './fixtures.js'

describe('canlian-csv-v1 (县残联 残疾人补贴终止, one file per notice)', () => {
  it('is a file mapping with these columns, in this order, widths in GBK bytes', () => {
    expect(isFileMapping(canlianCsvMapping)).toBe(true)
    expect(canlianCsvMapping.columns.map((c) => [c.key, c.label, c.width])).toEqual([
      ['noticeId', '通知编号', 32],
      ['version', '版本', 4],
      ['event', '事件', 16],
      ['name', '姓名', 40],
      ['idType', '证件类型', 2],
      ['idNumber', '证件号码', 18],
      ['householdDivision', '户籍地区划代码', 6],
      ['deathDate', '死亡日期', 8],
      ['stopFrom', '停发日期', 8],
      ['certificateNo', '火化证明编号', 40],
      ['corroboration', '佐证', 24],
      ['voidReason', '撤销原因', 200]
    ])
  })

  it('shapes a full record into exactly the expected row, in column order', () => {
    const row = canlianCsvMapping.map(fullRecord, ctx)
    expect(row).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: '1',
      event: 'notice.created',
      name: '李秀英',
      idType: '1',
      idNumber: '11010519491231002X',
      householdDivision: '430626',
      deathDate: '20260310',
      stopFrom: '20260401',
      certificateNo: 'HH4306262026000123',
      corroboration: 'cremation',
      voidReason: ''
    })
    expect(Object.keys(row)).toEqual(canlianCsvMapping.columns.map((c) => c.key))
  })

  it('leaves the household division empty, not absent, when the record has none', () => {
    expect(canlianCsvMapping.map(bareRecord, ctx)).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: '1',
      event: 'notice.created',
      name: '阿依古丽·买买提',
      idType: '1',
      idNumber: '11010519491231002X',
      householdDivision: '',
      deathDate: '20260310',
      stopFrom: '20260401',
      certificateNo: 'HH4306262026000124',
      corroboration: 'cremation',
      voidReason: ''
    })
  })

  it('writes the reason into the 撤销原因 column when the notice is voided', () => {
    expect(canlianCsvMapping.map(fullRecord, voidedCtx)).toMatchObject({
      version: '2', event: 'notice.voided', voidReason: VOID_REASON
    })
  })

  it('pays the month of death and stops the subsidy from the next month, across the year end', () => {
    expect(canlianCsvMapping.map(diedAt('2026-12-31T15:00:00.000Z'), ctx))
      .toMatchObject({ deathDate: '20261231', stopFrom: '20270101' })
  })
})
