import { describe, expect, it } from 'vitest'
import { minzhengRestMapping } from '../../../src/mappings/minzheng-rest.js'
import { bareRecord, ctx, diedAt, fullRecord } from './fixtures.js'

describe('minzheng-rest-v1 (民政 低保/特困供养、养老服务待遇终止)', () => {
  it('shapes a full record into exactly the expected message', () => {
    expect(minzhengRestMapping.map(fullRecord, ctx)).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: 1,
      event: 'notice.created',
      certificateNo: 'HH4306262026000123',
      name: '李秀英',
      idType: '1',
      idNumber: '11010519491231002X',
      gender: '2',
      corroboration: 'cremation',
      householdDivision: '430626',
      deathDate: '2026-03-10',
      stopFrom: '2026-04-01',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' }
    })
  })

  it('leaves out the household division when the record has none', () => {
    expect(minzhengRestMapping.map(bareRecord, ctx)).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: 1,
      event: 'notice.created',
      certificateNo: 'HH4306262026000124',
      name: '阿依古丽·买买提',
      idType: '1',
      idNumber: '11010519491231002X',
      gender: '2',
      corroboration: 'cremation',
      deathDate: '2026-03-10',
      stopFrom: '2026-04-01',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' }
    })
  })

  it('still notifies 民政 about a deceased identified by another document', () => {
    const passport = diedAt(fullRecord.death.time, { idType: '3', idNumber: 'E12345678' })
    expect(minzhengRestMapping.map(passport, ctx)).toMatchObject({ idType: '3', idNumber: 'E12345678' })
  })
})
