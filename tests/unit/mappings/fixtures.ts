import { expect } from 'vitest'
import type { CremationRecord } from '../../../src/domain/cremation-record.js'
import type { MappingContext } from '../../../src/mappings/mapping.js'

/** A normalised record with every optional field filled, so leaks would show. */
export const fullRecord: CremationRecord = deepFreeze({
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

/** The same death with only the required fields: no informant, no address, no division, no police station. */
export const bareRecord: CremationRecord = deepFreeze({
  certificateNo: 'HH4306262026000124',
  funeralHome: { code: 'BYG430626', name: '平江县殡仪馆' },
  deceased: {
    name: '阿依古丽·买买提',
    gender: '2',
    idType: '1',
    idNumber: '11010519491231002X'
  },
  death: { time: '2026-03-10T06:15:00.000Z', place: '1', circumstance: 'hospital-non-case' },
  cremation: { time: '2026-03-12T01:00:00.000Z' },
  issuedAt: '2026-03-12T02:00:00.000Z'
})

export const ctx: MappingContext = Object.freeze({
  noticeId: 'ntc-7f3a',
  version: 1,
  event: 'notice.created',
  timeZone: 'Asia/Shanghai',
  countyCode: '430626'
})

export const VOID_REASON = '误报：当事人健在，请恢复待遇'

/** The void of version 2 of the same notice. */
export const voidedCtx: MappingContext = Object.freeze({
  ...ctx, version: 2, event: 'notice.voided', voidReason: VOID_REASON
})

/** The full record, died at `deathTime` and cremated two days later. */
export function diedAt (deathTime: string, overrides: Partial<CremationRecord['deceased']> = {}): CremationRecord {
  const cremationTime = new Date(Date.parse(deathTime) + 2 * 86_400_000).toISOString()
  return deepFreeze({
    ...fullRecord,
    deceased: { ...fullRecord.deceased, ...overrides },
    death: { ...fullRecord.death, time: deathTime },
    cremation: { ...fullRecord.cremation, time: cremationTime }
  })
}

/** A deceased identified by a passport, not a resident ID card: the record otherwise the full one. */
export const passportRecord: CremationRecord = diedAt(fullRecord.death.time, { idType: '3', idNumber: 'E12345678' })

/**
 * The notice header every JSON message starts with, for `fullRecord` under `ctx`, written out
 * rather than computed so that a change to `noticeHeader` shows in every department's test.
 */
export const FULL_HEADER = Object.freeze({
  noticeId: 'ntc-7f3a',
  version: 1,
  event: 'notice.created',
  certificateNo: 'HH4306262026000123',
  corroboration: 'cremation',
  name: '李秀英',
  idType: '1',
  idNumber: '11010519491231002X',
  gender: '2'
})

/** The header for `bareRecord`: another certificate, another name. */
export const BARE_HEADER = Object.freeze({ ...FULL_HEADER, certificateNo: 'HH4306262026000124', name: '阿依古丽·买买提' })

/** The header's values in every file row for `fullRecord` under `ctx`: strings, no gender, an empty void reason. */
export const FULL_ROW_HEADER = Object.freeze({
  noticeId: 'ntc-7f3a',
  version: '1',
  event: 'notice.created',
  name: '李秀英',
  idType: '1',
  idNumber: '11010519491231002X',
  certificateNo: 'HH4306262026000123',
  corroboration: 'cremation',
  voidReason: ''
})

/** The row header for `bareRecord`. */
export const BARE_ROW_HEADER = Object.freeze({ ...FULL_ROW_HEADER, certificateNo: 'HH4306262026000124', name: '阿依古丽·买买提' })

/**
 * The columns every department file opens with, as `[key, label, width in GBK bytes]`, written
 * out as the departments' layout specifications give them. A name may have 50 characters (100
 * bytes), a document other than the ID card 30.
 */
export const LEAD_COLUMNS = Object.freeze([
  ['noticeId', '通知编号', 32],
  ['version', '版本', 4],
  ['event', '事件', 16],
  ['name', '姓名', 100],
  ['idType', '证件类型', 2],
  ['idNumber', '证件号码', 30]
] as const)

/** The columns every department file closes with. */
export const TAIL_COLUMNS = Object.freeze([
  ['certificateNo', '火化证明编号', 40],
  ['corroboration', '佐证', 24],
  ['voidReason', '撤销原因', 200]
] as const)

/**
 * What no department receives (DESIGN §7, data minimisation): the informant, the household
 * address, the birth date, the medical certificate number, the cremation operator.
 */
export const NEVER_SENT = ['张伟', '13812345678', '儿子', '天岳大道', '1949-12-31', 'Y430626202600077', '王师傅'] as const

export function expectNothingOfTheFamilyOrTheCertificates (message: unknown): void {
  const text = JSON.stringify(message)
  for (const leak of NEVER_SENT) expect(text).not.toContain(leak)
}

export function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
