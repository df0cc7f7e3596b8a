import { describe, expect, it } from 'vitest'
import { gongjijinCsvMapping } from '../../../src/mappings/gongjijin-csv.js'
import { isFileMapping } from '../../../src/mappings/mapping.js'
import {
  BARE_ROW_HEADER, bareRecord, ctx, diedAt, FULL_ROW_HEADER, fullRecord, LEAD_COLUMNS, TAIL_COLUMNS, VOID_REASON, voidedCtx
} from './fixtures.js'

describe('gongjijin-csv-v1 (住房公积金中心 个人账户封存, GBK daily batch)', () => {
  it('is a file mapping with these columns, in this order, widths in GBK bytes', () => {
    expect(isFileMapping(gongjijinCsvMapping)).toBe(true)
    expect(gongjijinCsvMapping.columns.map((c) => [c.key, c.label, c.width])).toEqual([
      ...LEAD_COLUMNS,
      ['deathDate', '死亡日期', 8],
      ['sealFrom', '封存日期', 8],
      ...TAIL_COLUMNS
    ])
  })

  it('shapes a full record into exactly the expected row, in column order', () => {
    const row = gongjijinCsvMapping.map(fullRecord, ctx)
    expect(row).toStrictEqual({
      ...FULL_ROW_HEADER,
      deathDate: '20260310',
      sealFrom: '20260310'
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
      ...BARE_ROW_HEADER,
      deathDate: '20260310',
      sealFrom: '20260310'
    })
  })

  it('seals the account from the date of death itself, even on the last day of a year', () => {
    expect(gongjijinCsvMapping.map(diedAt('2026-12-31T15:59:59.000Z'), ctx))
      .toMatchObject({ deathDate: '20261231', sealFrom: '20261231' })
  })
})
