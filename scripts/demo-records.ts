import type { CremationBody } from '../src/domain/cremation-schema.js'
import { atHome, inHospital, minimal } from '../sim/sample-cremations.js'

/**
 * Cremation records for `npm run demo`, as the funeral home of 岳阳县 (GB/T 2260: 430621) POSTs
 * them (sim/sample-cremations.ts, shared with the tests), plus one invalid on purpose.
 * `demoRecords(now)` moves them into the past when the clock is earlier than their dates
 * (a cremation may not lie in the future).
 */

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
  const move = (t: string): string => beijingTime(Date.parse(t) - days * DAY_MS)
  const copy = structuredClone(r)
  copy.death.time = move(r.death.time)
  copy.cremation.time = move(r.cremation.time)
  copy.issuedAt = move(r.issuedAt)
  return copy
}

/** The void the demo sends: no ID number in it (the hub refuses one), since every department reads it. */
export const DEMO_VOID_REASON = '殡仪馆录入错误，经核实逝者身份有误，撤回此通知'

const CORRECTION_SHIFT_MS = 8.5 * 3_600_000

/**
 * The correction the demo sends (`PUT`): the family says the death was the evening before
 * (06:40 → 22:10 the previous day), so the date of death, and the dates that follow from it,
 * change for every department.
 */
export function demoCorrection (r: CremationBody): CremationBody {
  const copy = structuredClone(r)
  copy.death.time = beijingTime(Date.parse(r.death.time) - CORRECTION_SHIFT_MS)
  return copy
}

/** `2026-11-19T22:10:00+08:00`: the form funeral homes send. */
function beijingTime (ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00')
}
