import type { CremationBody } from '../src/domain/cremation-schema.js'

/**
 * Cremation records for `npm run demo`, as the funeral home of 岳阳县 (GB/T 2260: 430621) POSTs
 * them. Invented people: the same data as tests/fixtures/cremation.ts, copied so the demo does
 * not depend on test files. `demoRecords(now)` moves them into the past when the clock is
 * earlier than their dates (a cremation may not lie in the future).
 */

/** A death at home, every optional field present, informant with a mobile number. */
const atHome: CremationBody = {
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
const inHospital: CremationBody = {
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
const minimal: CremationBody = {
  certificateNo: 'YYX-2026-0852',
  funeralHome: { code: '430621-BYG', name: '岳阳县殡仪馆' },
  deceased: { name: '热依拉·买买提', gender: '2', idType: '1', idNumber: '430621195203031024' },
  death: { time: '2026-11-26T14:20:00+08:00', place: '9', circumstance: 'other' },
  cremation: { time: '2026-11-28T08:00:00+08:00' },
  issuedAt: '2026-11-28T07:30:00+08:00'
}

/** Three mistakes at once: wrong ID check digit, death after cremation, a 10-digit mobile number. */
const invalid: CremationBody = {
  ...structuredClone(atHome),
  certificateNo: 'YYX-2026-0899',
  deceased: { ...structuredClone(atHome.deceased), idNumber: '430621193805120042' },
  death: { time: '2026-11-23T06:40:00+08:00', place: '3', circumstance: 'home-natural' },
  informant: { name: '王志强', relation: '子', phone: '1390730123' }
}

export interface DemoRecords {
  valid: Array<{ label: string, body: CremationBody }>
  invalid: { label: string, body: CremationBody }
}

const DAY_MS = 86_400_000

export function demoRecords (now: Date): DemoRecords {
  const all = [atHome, inHospital, minimal, invalid]
  const latest = Math.max(...all.flatMap(r => [r.death.time, r.cremation.time, r.issuedAt].map(t => Date.parse(t))))
  // Whole days, so local times (a death at 23:50) keep their shape.
  const days = latest <= now.getTime() ? 0 : Math.ceil((latest - now.getTime()) / DAY_MS) + 1
  const shift = (r: CremationBody): CremationBody => days === 0 ? structuredClone(r) : shifted(r, days)
  return {
    valid: [
      { label: '居家死亡，字段齐全', body: shift(atHome) },
      { label: '医院死亡，深夜', body: shift(inHospital) },
      { label: '仅必填字段', body: shift(minimal) }
    ],
    invalid: { label: '故意出错 invalid on purpose', body: shift(invalid) }
  }
}

function shifted (r: CremationBody, days: number): CremationBody {
  const move = (t: string): string => {
    const local = new Date(Date.parse(t) - days * DAY_MS + 8 * 3_600_000)
    return local.toISOString().replace(/\.\d{3}Z$/, '+08:00')
  }
  const copy = structuredClone(r)
  copy.death.time = move(r.death.time)
  copy.cremation.time = move(r.cremation.time)
  copy.issuedAt = move(r.issuedAt)
  return copy
}
