import { describe, expect, it } from 'vitest'
import { rensheSoapMapping } from '../../../src/mappings/renshe-soap.js'
import { bareRecord, ctx, diedAt, FULL_HEADER, fullRecord, VOID_REASON, voidedCtx } from './fixtures.js'

describe('renshe-soap-v1 (人社 退休金发放、社保缴费、养老个人账户划拨终止)', () => {
  it('shapes a full record into exactly the fields of the WSDL', () => {
    expect(rensheSoapMapping.map(fullRecord, ctx)).toStrictEqual({
      ...FULL_HEADER,
      deathDate: '2026-03-10',
      stopFrom: '2026-03-10'
    })
  })

  it('adds only voidReason to those fields when the notice is voided', () => {
    expect(rensheSoapMapping.map(fullRecord, voidedCtx)).toStrictEqual({
      ...FULL_HEADER,
      version: 2,
      event: 'notice.voided',
      voidReason: VOID_REASON,
      deathDate: '2026-03-10',
      stopFrom: '2026-03-10'
    })
  })

  it('sends the same fields for a record without optional fields', () => {
    expect(Object.keys(rensheSoapMapping.map(bareRecord, ctx)).sort())
      .toEqual(Object.keys(rensheSoapMapping.map(fullRecord, ctx)).sort())
  })

  it('stops the pension from the date of death itself, even on the last day of a month', () => {
    expect(rensheSoapMapping.map(diedAt('2026-03-31T15:59:59.000Z'), ctx))
      .toMatchObject({ deathDate: '2026-03-31', stopFrom: '2026-03-31' })
  })

  it('still notifies 人社 about a deceased identified by another document', () => {
    const permit = diedAt(fullRecord.death.time, { idType: '6', idNumber: 'C12345678' })
    expect(rensheSoapMapping.map(permit, ctx)).toMatchObject({ idType: '6', idNumber: 'C12345678' })
  })
})
