import { describe, expect, it } from 'vitest'
import { gonganRestMapping, zonedIsoTime } from '../../../src/mappings/gongan-rest.js'
import { MappingError } from '../../../src/mappings/mapping.js'
import { BARE_HEADER, bareRecord, ctx, diedAt, FULL_HEADER, fullRecord, passportRecord } from './fixtures.js'

describe('gongan-rest-v1 (公安 死亡人员户口注销)', () => {
  it('shapes a full record into exactly the expected message', () => {
    expect(gonganRestMapping.map(fullRecord, ctx)).toStrictEqual({
      ...FULL_HEADER,
      idType: '1',
      householdDivision: '430626',
      policeStation: { code: '430626001', name: '城关派出所' },
      deathDate: '2026-03-10',
      deathTime: '2026-03-10T14:15:00+08:00',
      deathPlace: '3',
      cremationDate: '2026-03-12',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' },
      effectiveDate: '2026-03-10',
      cancelWithinWorkingDays: 2
    })
  })

  it('leaves out the household division and police station when the record has none', () => {
    expect(gonganRestMapping.map(bareRecord, ctx)).toStrictEqual({
      ...BARE_HEADER,
      idType: '1',
      deathDate: '2026-03-10',
      deathTime: '2026-03-10T14:15:00+08:00',
      deathPlace: '1',
      cremationDate: '2026-03-12',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' },
      effectiveDate: '2026-03-10',
      cancelWithinWorkingDays: 2
    })
  })

  it('gives the local time of a death at 00:30 on 1 February Beijing time, and February dates', () => {
    expect(gonganRestMapping.map(diedAt('2026-01-31T16:30:00.000Z'), ctx)).toMatchObject({
      deathDate: '2026-02-01',
      deathTime: '2026-02-01T00:30:00+08:00',
      effectiveDate: '2026-02-01',
      cremationDate: '2026-02-03'
    })
  })

  it('writes the death time in the configured time zone rather than a fixed one', () => {
    expect(gonganRestMapping.map(diedAt('2026-01-31T16:30:00.000Z'), { ...ctx, timeZone: 'UTC' }).deathTime)
      .toBe('2026-01-31T16:30:00+00:00')
  })

  it('refuses a notice for a deceased known only by a passport, who cannot be matched to a household register', () => {
    expect(() => gonganRestMapping.map(passportRecord, ctx)).toThrow(MappingError)
    expect(() => gonganRestMapping.map(passportRecord, ctx)).toThrow('公安户籍注销需要公民身份号码')
  })

  it('takes a 户口簿 like a 身份证: it carries the same 公民身份号码 (a child, a lost card)', () => {
    const booklet = diedAt(fullRecord.death.time, { idType: '2' })
    expect(gonganRestMapping.map(booklet, ctx)).toMatchObject({ idType: '2', idNumber: fullRecord.deceased.idNumber })
  })

  it('takes a 驾驶证 numbered with the 公民身份号码, keeping its document type', () => {
    const licence = diedAt(fullRecord.death.time, { idType: '5' })
    expect(gonganRestMapping.map(licence, ctx)).toMatchObject({ idType: '5', idNumber: '11010519491231002X', deathDate: '2026-03-10' })
  })

  it('refuses a 驾驶证 whose number is not a 公民身份号码', () => {
    expect(() => gonganRestMapping.map(diedAt(fullRecord.death.time, { idType: '5', idNumber: 'B1234567' }), ctx))
      .toThrow('公安户籍注销需要公民身份号码')
  })
})

describe('zonedIsoTime', () => {
  it('writes an instant as local wall-clock time with the zone offset, to the second', () => {
    expect(zonedIsoTime('2026-01-31T16:30:45.678Z', 'Asia/Shanghai')).toBe('2026-02-01T00:30:45+08:00')
    expect(zonedIsoTime('2026-07-01T12:00:00.000Z', 'America/New_York')).toBe('2026-07-01T08:00:00-04:00')
    expect(zonedIsoTime('2026-07-01T12:00:00.000Z', 'Asia/Kolkata')).toBe('2026-07-01T17:30:00+05:30')
  })
})
