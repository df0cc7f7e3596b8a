import { describe, expect, it } from 'vitest'
import { minzhengRestMapping } from '../../../src/mappings/minzheng-rest.js'
import { BARE_HEADER, bareRecord, ctx, FULL_HEADER, fullRecord, passportRecord } from './fixtures.js'

describe('minzheng-rest-v1 (民政 低保/特困供养、养老服务待遇终止)', () => {
  it('shapes a full record into exactly the expected message', () => {
    expect(minzhengRestMapping.map(fullRecord, ctx)).toStrictEqual({
      ...FULL_HEADER,
      householdDivision: '430626',
      deathDate: '2026-03-10',
      stopFrom: '2026-04-01',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' }
    })
  })

  it('leaves out the household division when the record has none', () => {
    expect(minzhengRestMapping.map(bareRecord, ctx)).toStrictEqual({
      ...BARE_HEADER,
      deathDate: '2026-03-10',
      stopFrom: '2026-04-01',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' }
    })
  })

  it('still notifies 民政 about a deceased identified by another document', () => {
    expect(minzhengRestMapping.map(passportRecord, ctx)).toMatchObject({ idType: '3', idNumber: 'E12345678' })
  })
})
