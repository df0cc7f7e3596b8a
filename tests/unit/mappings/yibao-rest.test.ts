import { describe, expect, it } from 'vitest'
import { yibaoRestMapping } from '../../../src/mappings/yibao-rest.js'
import { BARE_HEADER, bareRecord, ctx, FULL_HEADER, fullRecord, passportRecord } from './fixtures.js'

describe('yibao-rest-v1 (医保 个人账户划拨、特殊病种门诊、特殊药品待遇终止)', () => {
  it('shapes a full record into exactly the expected message', () => {
    expect(yibaoRestMapping.map(fullRecord, ctx)).toStrictEqual({
      ...FULL_HEADER,
      deathDate: '2026-03-10',
      stopFrom: '2026-03-10'
    })
  })

  it('sends the same fields for a record without optional fields', () => {
    expect(yibaoRestMapping.map(bareRecord, ctx)).toStrictEqual({
      ...BARE_HEADER,
      deathDate: '2026-03-10',
      stopFrom: '2026-03-10'
    })
  })

  it('still notifies 医保 about a deceased identified by another document', () => {
    expect(yibaoRestMapping.map(passportRecord, ctx)).toMatchObject({ idType: '3', idNumber: 'E12345678' })
  })
})
