import type { CremationBody } from '../src/domain/cremation-schema.js'

/**
 * Three cremation records as the funeral home of 岳阳县 (GB/T 2260: 430621) POSTs them, about
 * invented people, valid at 2026-11-28 noon Beijing time. Shared by the demo and the tests
 * (tests/fixtures/cremation.ts freezes them), so both show the same people.
 */

/** A death at home, every optional field present, informant with a mobile number. */
export const atHome: Readonly<CremationBody> = {
  certificateNo: 'YYX-2026-0815',
  funeralHome: { code: '430621-BYG', name: '岳阳县殡仪馆' },
  deceased: {
    name: '李桂英',
    gender: '2',
    idType: '1',
    idNumber: '430621193805120041',
    birthDate: '1938-05-12',
    ethnicity: '汉族',
    householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设北路 18 号',
    householdDivision: '430621',
    policeStation: { code: '430621001', name: '荣家湾派出所' }
  },
  death: { time: '2026-11-20T06:40:00+08:00', place: '3', circumstance: 'home-natural', medicalCertificateNo: 'Y430621202611200017' },
  cremation: { time: '2026-11-22T09:15:00+08:00', operator: '周建国' },
  informant: { name: '王志强', relation: '子', phone: '13907301234' },
  issuedAt: '2026-11-22T10:05:00+08:00'
}

/** A man who died in hospital late at night; no birthDate sent, informant with a landline. */
export const inHospital: Readonly<CremationBody> = {
  certificateNo: 'YYX-2026-0841',
  funeralHome: { code: '430621-BYG', name: '岳阳县殡仪馆' },
  deceased: {
    name: '张建华',
    gender: '1',
    idType: '1',
    idNumber: '430621194508170039',
    householdDivision: '430621',
    policeStation: { code: '430621001', name: '荣家湾派出所' }
  },
  death: { time: '2026-11-25T23:50:00+08:00', place: '1', circumstance: 'hospital-non-case', medicalCertificateNo: 'Y430621202611250042' },
  cremation: { time: '2026-11-27T08:30:00+08:00' },
  informant: { name: '张丽', relation: '女', phone: '0730-8123456' },
  issuedAt: '2026-11-27T09:00:00+08:00'
}

/** Required fields only: no informant, a minority name with the interpunct. */
export const minimal: Readonly<CremationBody> = {
  certificateNo: 'YYX-2026-0852',
  funeralHome: { code: '430621-BYG', name: '岳阳县殡仪馆' },
  deceased: { name: '热依拉·买买提', gender: '2', idType: '1', idNumber: '430621195203031024' },
  death: { time: '2026-11-26T14:20:00+08:00', place: '9', circumstance: 'other' },
  cremation: { time: '2026-11-28T08:00:00+08:00' },
  issuedAt: '2026-11-28T07:30:00+08:00'
}

/** Three mistakes at once: wrong ID check digit, death after cremation, a 10-digit mobile number. */
