import { describe, expect, it } from 'vitest'
import type { CremationRecord } from '../../../src/domain/cremation-record.js'
import { gonganRestMapping, zonedIsoTime } from '../../../src/mappings/gongan-rest.js'
import { MAPPINGS, mappingByName } from '../../../src/mappings/index.js'
import { MappingError, type MappingContext } from '../../../src/mappings/mapping.js'
import { minzhengRestMapping } from '../../../src/mappings/minzheng-rest.js'
import { yibaoRestMapping } from '../../../src/mappings/yibao-rest.js'

/** A normalised record with every optional field filled, so leaks would show. */
const record: CremationRecord = deepFreeze({
  certificateNo: 'HH4306262026000123',
  funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' },
  deceased: {
    name: '李秀英',
    gender: '2',
    idType: '1',
    idNumber: '11010519491231002X',
    birthDate: '1949-12-31',
    ethnicity: '01',
    householdAddress: '湖南省岳阳市平江县城关镇天岳大道1号',
    householdDivision: '430626',
    policeStation: { code: '430626001', name: '城关派出所' }
  },
  death: {
    time: '2026-03-10T06:15:00.000Z',
    place: '3',
    circumstance: 'home-natural',
    medicalCertificateNo: 'Y430626202600077'
  },
  cremation: { time: '2026-03-12T01:00:00.000Z', operator: '王师傅' },
  informant: { name: '张伟', relation: '儿子', phone: '13812345678' },
  issuedAt: '2026-03-12T02:00:00.000Z'
})

const ctx: MappingContext = Object.freeze({
  noticeId: 'ntc-7f3a',
  version: 1,
  event: 'notice.created',
  timeZone: 'Asia/Shanghai',
  countyCode: '430626'
})

/** The same record, died at `deathTime` and cremated two days later. */
function diedAt (deathTime: string, overrides: Partial<CremationRecord['deceased']> = {}): CremationRecord {
  const cremationTime = new Date(Date.parse(deathTime) + 2 * 86_400_000).toISOString()
  return {
    ...record,
    deceased: { ...record.deceased, ...overrides },
    death: { ...record.death, time: deathTime },
    cremation: { ...record.cremation, time: cremationTime }
  }
}

describe('department mappings', () => {
  it.each([
    {
      mapping: gonganRestMapping,
      expected: {
        noticeId: 'ntc-7f3a',
        version: 1,
        event: 'notice.created',
        certificateNo: 'HH4306262026000123',
        name: '李秀英',
        gender: '2',
        corroboration: 'cremation',
        idType: '1',
        idNumber: '11010519491231002X',
        householdDivision: '430626',
        policeStation: { code: '430626001', name: '城关派出所' },
        deathDate: '2026-03-10',
        deathTime: '2026-03-10T14:15:00+08:00',
        deathPlace: '3',
        cremationDate: '2026-03-12',
        funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' },
        effectiveDate: '2026-03-10',
        cancelWithinWorkingDays: 2
      }
    },
    {
      mapping: yibaoRestMapping,
      expected: {
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
      }
    },
    {
      mapping: minzhengRestMapping,
      expected: {
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
      }
    }
  ])('$mapping.name shapes the record into exactly the expected message', ({ mapping, expected }) => {
    expect(mapping.map(record, ctx)).toStrictEqual(expected)
  })

  it.each([
    { mapping: gonganRestMapping, keys: [
      'noticeId', 'version', 'event', 'certificateNo', 'corroboration', 'name', 'gender', 'idType', 'idNumber',
      'householdDivision', 'policeStation', 'deathDate', 'deathTime', 'deathPlace', 'cremationDate',
      'funeralHome', 'effectiveDate', 'cancelWithinWorkingDays'
    ] },
    { mapping: yibaoRestMapping, keys: [
      'noticeId', 'version', 'event', 'certificateNo', 'corroboration', 'name', 'idType', 'idNumber', 'gender', 'deathDate', 'stopFrom'
    ] },
    { mapping: minzhengRestMapping, keys: [
      'noticeId', 'version', 'event', 'certificateNo', 'corroboration', 'name', 'idType', 'idNumber', 'gender', 'householdDivision',
      'deathDate', 'stopFrom', 'funeralHome'
    ] }
  ])('$mapping.name sends only its own fields and nothing of the informant, the address or the birth date', ({ mapping, keys }) => {
    const message: object = mapping.map(record, ctx)
    expect(Object.keys(message).sort()).toEqual([...keys].sort())
    const text = JSON.stringify(message)
    for (const leak of ['张伟', '13812345678', '儿子', '天岳大道', '1949-12-31', 'Y430626202600077', '王师傅']) {
      expect(text).not.toContain(leak)
    }
  })

  it('leaves out the household division and police station when the record has none', () => {
    const { householdDivision: _d, policeStation: _p, ...deceased } = record.deceased
    const bare: CremationRecord = { ...record, deceased }
    expect(Object.keys(gonganRestMapping.map(bare, ctx))).not.toContain('householdDivision')
    expect(Object.keys(gonganRestMapping.map(bare, ctx))).not.toContain('policeStation')
    expect(Object.keys(minzhengRestMapping.map(bare, ctx))).not.toContain('householdDivision')
  })

  it('dates a death at 00:30 on 1 February Beijing time as a February death, whatever UTC says', () => {
    const february = diedAt('2026-01-31T16:30:00.000Z')
    expect(gonganRestMapping.map(february, ctx)).toMatchObject({
      deathDate: '2026-02-01',
      deathTime: '2026-02-01T00:30:00+08:00',
      effectiveDate: '2026-02-01',
      cremationDate: '2026-02-03'
    })
    expect(yibaoRestMapping.map(february, ctx)).toMatchObject({ deathDate: '2026-02-01', stopFrom: '2026-02-01' })
    expect(minzhengRestMapping.map(february, ctx)).toMatchObject({ deathDate: '2026-02-01', stopFrom: '2026-03-01' })
  })

  it('computes business dates in the configured time zone rather than a fixed one', () => {
    const utcCounty = { ...ctx, timeZone: 'UTC' }
    const late = diedAt('2026-01-31T16:30:00.000Z')
    expect(minzhengRestMapping.map(late, utcCounty)).toMatchObject({ deathDate: '2026-01-31', stopFrom: '2026-02-01' })
    expect(gonganRestMapping.map(late, utcCounty).deathTime).toBe('2026-01-31T16:30:00+00:00')
  })

  it.each([
    ['2025-12-15T02:00:00.000Z', '2025-12-15', '2026-01-01'],
    ['2025-12-31T15:59:59.000Z', '2025-12-31', '2026-01-01'],
    ['2025-12-31T16:00:00.000Z', '2026-01-01', '2026-02-01']
  ])('stops 民政 benefits for a death at %s (local date %s) from %s, across the turn of the year', (time, deathDate, stopFrom) => {
    expect(minzhengRestMapping.map(diedAt(time), ctx)).toMatchObject({ deathDate, stopFrom })
  })

  it('refuses a 公安 notice for a deceased without a resident ID card, who cannot be matched to a household register', () => {
    const passport = diedAt(record.death.time, { idType: '3', idNumber: 'E12345678' })
    expect(() => gonganRestMapping.map(passport, ctx)).toThrow(MappingError)
    expect(() => gonganRestMapping.map(passport, ctx)).toThrow('公安户籍注销需要居民身份证号码')
  })

  it('still notifies 医保 and 民政 about a deceased identified by another document', () => {
    const passport = diedAt(record.death.time, { idType: '3', idNumber: 'E12345678' })
    expect(yibaoRestMapping.map(passport, ctx).idNumber).toBe('E12345678')
    expect(minzhengRestMapping.map(passport, ctx).idNumber).toBe('E12345678')
  })

  it('carries the version and event of an update or a void unchanged', () => {
    const voided = { ...ctx, version: 3, event: 'notice.voided' as const }
    for (const mapping of MAPPINGS) {
      expect(mapping.map(record, voided)).toMatchObject({ noticeId: 'ntc-7f3a', version: 3, event: 'notice.voided' })
    }
  })

  it('maps a deeply frozen record without trying to change it', () => {
    expect(Object.isFrozen(record.deceased.policeStation)).toBe(true)
    for (const mapping of MAPPINGS) expect(() => mapping.map(record, ctx)).not.toThrow()
  })
})

describe('the mapping registry', () => {
  it('finds every mapping by the name a target config uses', () => {
    expect(mappingByName('gongan-rest-v1')).toBe(gonganRestMapping)
    expect(mappingByName('yibao-rest-v1')).toBe(yibaoRestMapping)
    expect(mappingByName('minzheng-rest-v1')).toBe(minzhengRestMapping)
    expect(MAPPINGS.map((m) => m.name)).toEqual(['gongan-rest-v1', 'yibao-rest-v1', 'minzheng-rest-v1'])
  })

  it('returns undefined for a name no mapping has', () => {
    expect(mappingByName('renshe-soap-v1')).toBeUndefined()
  })
})

describe('zonedIsoTime', () => {
  it('writes an instant as local wall-clock time with the zone offset, to the second', () => {
    expect(zonedIsoTime('2026-01-31T16:30:45.678Z', 'Asia/Shanghai')).toBe('2026-02-01T00:30:45+08:00')
    expect(zonedIsoTime('2026-07-01T12:00:00.000Z', 'America/New_York')).toBe('2026-07-01T08:00:00-04:00')
    expect(zonedIsoTime('2026-07-01T12:00:00.000Z', 'Asia/Kolkata')).toBe('2026-07-01T17:30:00+05:30')
  })
})

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
