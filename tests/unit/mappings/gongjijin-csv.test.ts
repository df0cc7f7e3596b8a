import { describe, expect, it } from 'vitest'
import { gongjijinCsvMapping } from '../../../src/mappings/gongjijin-csv.js'
import { isFileMapping } from '../../../src/mappings/mapping.js'
import { bareRecord, ctx, diedAt, fullRecord, VOID_REASON, voidedCtx } from './fixtures.js'

describe('gongjijin-csv-v1 (住房公积金中心 个人账户封存, GBK daily batch)', () => {
  it('is a file mapping with these columns, in this order, widths in GBK bytes', () => {
    expect(isFileMapping(gongjijinCsvMapping)).toBe(true)
    expect(gongjijinCsvMapping.columns.map((c) => [c.key, c.label, c.width])).toEqual([
      ['noticeId', '通知编号', 32],
      ['version', '版本', 4],
      ['event', '事件', 16],
      ['name', '姓名', 40],
      ['idType', '证件类型', 2],
      ['idNumber', '证件号码', 18],
      ['deathDate', '死亡日期', 8],
      ['sealFrom', '封存日期', 8],
      ['certificateNo', '火化证明编号', 40],
      ['corroboration', '佐证', 24],
      ['voidReason', '撤销原因', 200]
    ])
  })

  it('shapes a full record into exactly the expected row, in column order', () => {
    const row = gongjijinCsvMapping.map(fullRecord, ctx)
    expect(row).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: '1',
      event: 'notice.created',
      name: '李秀英',
      idType: '1',
      idNumber: '11010519491231002X',
      deathDate: '20260310',
      sealFrom: '20260310',
      certificateNo: 'HH4306262026000123',
      corroboration: 'cremation',
      voidReason: ''
    })
    expect(Object.keys(row)).toEqual(gongjijinCsvMapping.columns.map((c) => c.key))
  })

  it('writes the reason into the 撤销原因 column when the notice is voided', () => {
    expect(gongjijinCsvMapping.map(fullRecord, voidedCtx)).toMatchObject({
      version: '2', event: 'notice.voided', voidReason: VOID_REASON
    })
  })

  it('writes the same row for a record without optional fields', () => {
    expect(gongjijinCsvMapping.map(bareRecord, ctx)).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: '1',
      event: 'notice.created',
      name: '阿依古丽·买买提',
      idType: '1',
      idNumber: '11010519491231002X',
      deathDate: '20260310',
      sealFrom: '20260310',
      certificateNo: 'HH4306262026000124',
      corroboration: 'cremation',
      voidReason: ''
    })
  })

  it('seals the account from the date of death itself, even on the last day of a year', () => {
    expect(gongjijinCsvMapping.map(diedAt('2026-12-31T15:59:59.000Z'), ctx))
      .toMatchObject({ deathDate: '20261231', sealFrom: '20261231' })
  })
})
