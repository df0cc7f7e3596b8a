import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { compactDate } from '../../../src/domain/business-date.js'
import {
  canlianCsvMapping, gongjijinCsvMapping, gonganRestMapping, MAPPINGS, mappingByName, minzhengRestMapping,
  rensheSoapMapping, tuiyiFeedMapping, yibaoRestMapping
} from '../../../src/mappings/index.js'
import { isFileMapping, type Mapping, type MappingContext } from '../../../src/mappings/mapping.js'
import {
  bareRecord, ctx, diedAt, expectNothingOfTheFamilyOrTheCertificates, fullRecord, VOID_REASON, voidedCtx
} from './fixtures.js'

const HEADER = ['noticeId', 'version', 'event', 'certificateNo', 'corroboration', 'name', 'idType', 'idNumber', 'gender']

/**
 * What each department receives for the full record: JSON messages as a key set, file rows as
 * the column keys in order. A department gets a new field only by changing this table.
 */
const FIELDS: ReadonlyArray<{ mapping: Mapping, keys: string[], bareKeys: string[], ordered: boolean }> = [
  {
    mapping: gonganRestMapping,
    keys: [...HEADER, 'householdDivision', 'policeStation', 'deathDate', 'deathTime', 'deathPlace', 'cremationDate',
      'funeralHome', 'effectiveDate', 'cancelWithinWorkingDays'],
    bareKeys: [...HEADER, 'deathDate', 'deathTime', 'deathPlace', 'cremationDate', 'funeralHome', 'effectiveDate',
      'cancelWithinWorkingDays'],
    ordered: false
  },
  { mapping: rensheSoapMapping, keys: [...HEADER, 'deathDate', 'stopFrom'], bareKeys: [...HEADER, 'deathDate', 'stopFrom'], ordered: false },
  { mapping: yibaoRestMapping, keys: [...HEADER, 'deathDate', 'stopFrom'], bareKeys: [...HEADER, 'deathDate', 'stopFrom'], ordered: false },
  {
    mapping: gongjijinCsvMapping,
    keys: ['noticeId', 'version', 'event', 'name', 'idType', 'idNumber', 'deathDate', 'sealFrom', 'certificateNo',
      'corroboration', 'voidReason'],
    bareKeys: ['noticeId', 'version', 'event', 'name', 'idType', 'idNumber', 'deathDate', 'sealFrom', 'certificateNo',
      'corroboration', 'voidReason'],
    ordered: true
  },
  {
    mapping: minzhengRestMapping,
    keys: [...HEADER, 'householdDivision', 'deathDate', 'stopFrom', 'funeralHome'],
    bareKeys: [...HEADER, 'deathDate', 'stopFrom', 'funeralHome'],
    ordered: false
  },
  {
    mapping: canlianCsvMapping,
    keys: ['noticeId', 'version', 'event', 'name', 'idType', 'idNumber', 'householdDivision', 'deathDate', 'stopFrom',
      'certificateNo', 'corroboration', 'voidReason'],
    bareKeys: ['noticeId', 'version', 'event', 'name', 'idType', 'idNumber', 'householdDivision', 'deathDate', 'stopFrom',
      'certificateNo', 'corroboration', 'voidReason'],
    ordered: true
  },
  {
    mapping: tuiyiFeedMapping,
    keys: [...HEADER, 'deathDate', 'stopFrom', 'funeralHome'],
    bareKeys: [...HEADER, 'deathDate', 'stopFrom', 'funeralHome'],
    ordered: false
  }
]

const sorted = (keys: readonly string[]): string[] => [...keys].sort()
const keysOf = (message: unknown): string[] => Object.keys(message as object)

describe('what each department receives', () => {
  it('covers every registered mapping', () => {
    expect(sorted(FIELDS.map((f) => f.mapping.name))).toEqual(sorted(MAPPINGS.map((m) => m.name)))
  })

  it.each(FIELDS)('$mapping.name sends exactly its own fields for a full record', ({ mapping, keys, ordered }) => {
    const message = mapping.map(fullRecord, ctx)
    if (ordered) {
      expect(keysOf(message)).toEqual(keys)
      expect(keysOf(message)).toEqual((mapping as typeof gongjijinCsvMapping).columns.map((c) => c.key))
    } else {
      expect(sorted(keysOf(message))).toEqual(sorted(keys))
    }
  })

  it.each(FIELDS)('$mapping.name sends exactly its own fields for a record without optional fields', ({ mapping, bareKeys, ordered }) => {
    const message = mapping.map(bareRecord, ctx)
    expect(ordered ? keysOf(message) : sorted(keysOf(message))).toEqual(ordered ? bareKeys : sorted(bareKeys))
  })

  it.each(FIELDS)('$mapping.name sends nothing of the informant, the address, the birth date, the medical certificate or the operator', ({ mapping }) => {
    expectNothingOfTheFamilyOrTheCertificates(mapping.map(fullRecord, ctx))
    expectNothingOfTheFamilyOrTheCertificates(mapping.map(fullRecord, voidedCtx))
    expect(JSON.stringify(mapping.map(fullRecord, ctx))).not.toMatch(/ethnicity|informant|householdAddress|birthDate|operator|medicalCertificateNo/)
  })

  it.each(MAPPINGS.filter(isFileMapping))('$name writes every value as a string that fits its column in GBK, even at the longest validation allows', (mapping) => {
    // 50 characters of name, a 30-character document number: the most check-deceased.ts accepts.
    const longest = diedAt(fullRecord.death.time, { name: '阿'.repeat(24) + '·' + '买'.repeat(25), idType: '3', idNumber: 'E'.repeat(30) })
    const record = { ...longest, certificateNo: 'H'.repeat(40) }
    const updated: MappingContext = { ...ctx, noticeId: 'ntc_' + 'A'.repeat(22), version: 9999, event: 'notice.updated', corroboration: 'cremation+certificate' }
    const voided: MappingContext = { ...updated, event: 'notice.voided', voidReason: '误'.repeat(100) }
    for (const row of [mapping.map(record, updated), mapping.map(record, voided)]) {
      for (const column of mapping.columns) {
        const value = row[column.key]
        expect(typeof value).toBe('string')
        expect(iconv.encode(value!, 'gbk').length, column.key).toBeLessThanOrEqual(column.width)
      }
    }
  })

  it.each(MAPPINGS.filter(isFileMapping))('$name lets a fixed-width file cut only the free-text void reason, never a name or a number', (mapping) => {
    expect(mapping.columns.filter((c) => c.cut === true).map((c) => c.key)).toEqual(['voidReason'])
    expect(Object.isFrozen(mapping.columns.find((c) => c.key === 'voidReason'))).toBe(true)
  })
})

describe('the dates departments act on (DESIGN §6)', () => {
  /** Each department's own date fields, given the local date of death and the first day of the following month. */
  const dates: ReadonlyArray<{ mapping: Mapping, expect: (death: string, nextMonth: string) => object }> = [
    { mapping: gonganRestMapping, expect: (d) => ({ deathDate: d, effectiveDate: d }) },
    { mapping: rensheSoapMapping, expect: (d) => ({ deathDate: d, stopFrom: d }) },
    { mapping: yibaoRestMapping, expect: (d) => ({ deathDate: d, stopFrom: d }) },
    { mapping: gongjijinCsvMapping, expect: (d) => ({ deathDate: compactDate(d), sealFrom: compactDate(d) }) },
    { mapping: minzhengRestMapping, expect: (d, n) => ({ deathDate: d, stopFrom: n }) },
    { mapping: canlianCsvMapping, expect: (d, n) => ({ deathDate: compactDate(d), stopFrom: compactDate(n) }) },
    { mapping: tuiyiFeedMapping, expect: (d, n) => ({ deathDate: d, stopFrom: n }) }
  ]
  const deaths = [
    { at: '2026-01-31T16:30:00.000Z', why: '00:30 on 1 February Beijing time is a February death', death: '2026-02-01', next: '2026-03-01' },
    { at: '2026-01-31T15:59:59.000Z', why: '23:59:59 on 31 January Beijing time is a January death', death: '2026-01-31', next: '2026-02-01' },
    { at: '2025-12-31T15:59:59.000Z', why: 'the last second of the year stays in December', death: '2025-12-31', next: '2026-01-01' },
    { at: '2025-12-31T16:00:00.000Z', why: 'midnight of New Year Beijing time is a January death', death: '2026-01-01', next: '2026-02-01' },
    { at: '2028-02-29T02:00:00.000Z', why: 'a leap day moves to 1 March', death: '2028-02-29', next: '2028-03-01' },
    { at: '2026-04-30T16:30:00.000Z', why: 'the end of a 30-day month crosses at Beijing midnight', death: '2026-05-01', next: '2026-06-01' }
  ]
  const table = dates.flatMap((d) => deaths.map((death) => ({ ...death, mapping: d.mapping, expected: d.expect(death.death, death.next) })))

  it.each(table)('$mapping.name: $why ($at)', ({ mapping, at, expected }) => {
    expect(mapping.map(diedAt(at), ctx)).toMatchObject(expected)
  })

  it.each(dates)('$mapping.name computes business dates in the configured time zone rather than a fixed one', ({ mapping, expect: expectedFor }) => {
    expect(mapping.map(diedAt('2026-01-31T16:30:00.000Z'), { ...ctx, timeZone: 'UTC' }))
      .toMatchObject(expectedFor('2026-01-31', '2026-02-01'))
  })
})

describe('versions, voids and corroboration', () => {
  const isFile = (m: Mapping): boolean => isFileMapping(m)

  it.each(MAPPINGS)('$name carries the version and event of a void unchanged, with the reason', (mapping) => {
    const message = mapping.map(fullRecord, voidedCtx) as Record<string, unknown>
    expect(message).toMatchObject({
      noticeId: 'ntc-7f3a',
      version: isFile(mapping) ? '2' : 2,
      event: 'notice.voided',
      voidReason: VOID_REASON
    })
  })

  it.each(MAPPINGS)('$name says nothing of a void reason outside a void', (mapping) => {
    const stray = { ...ctx, event: 'notice.updated' as const, version: 2, voidReason: VOID_REASON }
    const message = mapping.map(fullRecord, stray) as Record<string, unknown>
    expect(message.event).toBe('notice.updated')
    if (isFile(mapping)) expect(message.voidReason).toBe('')
    else expect(message).not.toHaveProperty('voidReason')
  })

  it.each(MAPPINGS.filter(isFileMapping))('$name keeps a multi-line void reason on the one line of its row', (mapping) => {
    const row = mapping.map(fullRecord, { ...voidedCtx, voidReason: '  误报：\r\n当事人健在\t请恢复  ' })
    expect(row.voidReason).toBe('误报： 当事人健在 请恢复')
  })

  it.each(MAPPINGS)('$name passes the corroboration through, defaulting to the cremation record alone', (mapping) => {
    expect(mapping.map(fullRecord, ctx)).toMatchObject({ corroboration: 'cremation' })
    expect(mapping.map(fullRecord, { ...ctx, corroboration: 'cremation' })).toMatchObject({ corroboration: 'cremation' })
    expect(mapping.map(fullRecord, { ...ctx, corroboration: 'cremation+certificate' }))
      .toMatchObject({ corroboration: 'cremation+certificate' })
  })

  it.each(MAPPINGS)('$name maps a deeply frozen record without changing it, the same way every time', (mapping) => {
    const before = structuredClone(fullRecord)
    expect(Object.isFrozen(fullRecord.deceased.policeStation)).toBe(true)
    expect(mapping.map(fullRecord, ctx)).toStrictEqual(mapping.map(fullRecord, ctx))
    expect(fullRecord).toStrictEqual(before)
  })
})

describe('the mapping registry', () => {
  it('finds every mapping by the name a target config uses', () => {
    expect(MAPPINGS.map((m) => m.name)).toEqual([
      'gongan-rest-v1', 'renshe-soap-v1', 'yibao-rest-v1', 'gongjijin-csv-v1', 'minzheng-rest-v1', 'canlian-csv-v1', 'tuiyi-feed-v1'
    ])
    for (const mapping of MAPPINGS) expect(mappingByName(mapping.name)).toBe(mapping)
  })

  it('tells the file mappings (SFTP) from the message mappings', () => {
    expect(MAPPINGS.filter(isFileMapping).map((m) => m.name)).toEqual(['gongjijin-csv-v1', 'canlian-csv-v1'])
  })

  it('returns undefined for a name no mapping has', () => {
    expect(mappingByName('renshe-soap-v2')).toBeUndefined()
  })
})
