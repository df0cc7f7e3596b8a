import { describe, expect, it } from 'vitest'
import { canlianCsvMapping } from '../../../src/mappings/canlian-csv.js'
import { isFileMapping } from '../../../src/mappings/mapping.js'
import {
  BARE_ROW_HEADER, bareRecord, ctx, diedAt, FULL_ROW_HEADER, fullRecord, LEAD_COLUMNS, TAIL_COLUMNS, VOID_REASON, voidedCtx
} from './fixtures.js'

describe('canlian-csv-v1 (县残联 残疾人补贴终止, one file per notice)', () => {
  it('is a file mapping with these columns, in this order, widths in GBK bytes', () => {
    expect(isFileMapping(canlianCsvMapping)).toBe(true)
    expect(canlianCsvMapping.columns.map((c) => [c.key, c.label, c.width])).toEqual([
      ...LEAD_COLUMNS,
      ['householdDivision', '户籍地区划代码', 6],
      ['deathDate', '死亡日期', 8],
      ['stopFrom', '停发日期', 8],
      ...TAIL_COLUMNS
    ])
  })

  it('shapes a full record into exactly the expected row, in column order', () => {
    const row = canlianCsvMapping.map(fullRecord, ctx)
    expect(row).toStrictEqual({
      ...FULL_ROW_HEADER,
      householdDivision: '430626',
      deathDate: '20260310',
      stopFrom: '20260401'
    })
    expect(Object.keys(row)).toEqual(canlianCsvMapping.columns.map((c) => c.key))
  })

  it('leaves the household division empty, not absent, when the record has none', () => {
    expect(canlianCsvMapping.map(bareRecord, ctx)).toStrictEqual({
      ...BARE_ROW_HEADER,
      householdDivision: '',
      deathDate: '20260310',
      stopFrom: '20260401'
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
