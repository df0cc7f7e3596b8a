import { describe, expect, it } from 'vitest'
import { tuiyiFeedMapping } from '../../../src/mappings/tuiyi-feed.js'
import { BARE_HEADER, bareRecord, ctx, diedAt, FULL_HEADER, fullRecord } from './fixtures.js'

describe('tuiyi-feed-v1 (退役军人事务局 优抚抚恤金终止)', () => {
  it('shapes a full record into exactly the expected feed entry', () => {
    expect(tuiyiFeedMapping.map(fullRecord, ctx)).toStrictEqual({
      ...FULL_HEADER,
      deathDate: '2026-03-10',
      stopFrom: '2026-04-01',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' }
    })
  })

  it('sends the same fields for a record without optional fields', () => {
    expect(tuiyiFeedMapping.map(bareRecord, ctx)).toStrictEqual({
      ...BARE_HEADER,
      deathDate: '2026-03-10',
      stopFrom: '2026-04-01',
      funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' }
    })
  })

  it('pays the month of death in full and stops the 抚恤金 from the next month, across the year end', () => {
    expect(tuiyiFeedMapping.map(diedAt('2026-12-31T15:00:00.000Z'), ctx))
      .toMatchObject({ deathDate: '2026-12-31', stopFrom: '2027-01-01' })
  })
})
