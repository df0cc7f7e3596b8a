import { describe, expect, it } from 'vitest'
import { yibaoRestMapping } from '../../../src/mappings/yibao-rest.js'
import { bareRecord, ctx, diedAt, fullRecord } from './fixtures.js'

describe('yibao-rest-v1 (医保 个人账户划拨、特殊病种门诊、特殊药品待遇终止)', () => {
  it('shapes a full record into exactly the expected message', () => {
    expect(yibaoRestMapping.map(fullRecord, ctx)).toStrictEqual({
      noticeId: 'ntc-7f3a',
      version: 1,
      event: 'notice.created',
      certificateNo: 'HH4306262026000123',
      name: '李秀英',
      idType: '1',
      idNumber: '11010519491231002X',
      gender: '2',
      corroboration: 'cremation',
      deathDate: '2026-03-10',
      stopFrom: '2026-03-10'
    })
  })

  it('sends the same fields for a record without optional fields', () => {
    expect(yibaoRestMapping.map(bareRecord, ctx)).toStrictEqual({
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
      stopFrom: '2026-03-10'
    })
  })

  it('still notifies 医保 about a deceased identified by another document', () => {
    const passport = diedAt(fullRecord.death.time, { idType: '3', idNumber: 'E12345678' })
    expect(yibaoRestMapping.map(passport, ctx)).toMatchObject({ idType: '3', idNumber: 'E12345678' })
  })
})
