import { carriesCitizenNumber } from '../domain/check-deceased.js'
import type { DeathPlaceCode } from '../domain/codes.js'
import { localDate, wallClockParts } from '../domain/business-date.js'
import { MappingError, type Mapping } from './mapping.js'
import { noticeHeader, type NoticeHeader } from './notice-header.js'
import { deathDates, funeralHomeOf, householdDivisionOf } from './notice-facts.js'

/** 公安 死亡人员户口注销 (DESIGN §2, §6). Identity, death and cremation facts; no informant, no address. */
export interface GonganNotice extends NoticeHeader {
  /**
   * 身份证 or 户口簿: both carry the 公民身份号码 a household register is keyed by (children under
   * 16 and people whose card was lost often have only the 户口簿); or 驾驶证 when it is numbered
   * with the 公民身份号码 (`idNumber` is then that number). Other documents cannot match.
   */
  idType: '1' | '2' | '5'
  /** GB/T 2260 code of the household registration, when the funeral home knew it. */
  householdDivision?: string
  /** The 派出所 that holds the household register, when known. */
  policeStation?: { code: string, name: string }
  /** `YYYY-MM-DD`, local to the county. */
  deathDate: string
  /** ISO 8601 with the county's offset, e.g. `2026-02-01T00:30:00+08:00`, to the second. */
  deathTime: string
  deathPlace: DeathPlaceCode
  cremationDate: string
  funeralHome: { code: string, name: string }
  /** The registration is cancelled as of the date of death. */
  effectiveDate: string
  /** 公安 cancels within 2 working days (Hunan rules, DESIGN §6). */
  cancelWithinWorkingDays: 2
}

export const gonganRestMapping: Mapping<GonganNotice> = {
  name: 'gongan-rest-v1',
  map (record, ctx) {
    const { deceased } = record
    // A household register is keyed by the 公民身份号码; a passport or an officer's card cannot be matched.
    if (!carriesCitizenNumber(deceased)) throw new MappingError('公安户籍注销需要公民身份号码（居民身份证、户口簿或以其编号的驾驶证）')
    // The registration is cancelled as of the date of death itself.
    const { deathDate, stopFrom: effectiveDate } = deathDates(record, ctx, 'death-date')
    return {
      ...noticeHeader(record, ctx),
      idType: deceased.idType,
      ...householdDivisionOf(record),
      ...(deceased.policeStation !== undefined
        ? { policeStation: { code: deceased.policeStation.code, name: deceased.policeStation.name } }
        : {}),
      deathDate,
      deathTime: zonedIsoTime(record.death.time, ctx.timeZone),
      deathPlace: record.death.place,
      cremationDate: localDate(record.cremation.time, ctx.timeZone),
      funeralHome: funeralHomeOf(record),
      effectiveDate,
      cancelWithinWorkingDays: 2
    }
  }
}

/**
 * The instant as wall-clock time in `timeZone` with that zone's offset, to the second
 * (`2026-01-31T16:30:00Z` → `2026-02-01T00:30:00+08:00`): the officer reads the local time,
 * and the instant is unchanged.
 */
export function zonedIsoTime (instant: string, timeZone: string): string {
  const at = new Date(instant)
  const seconds = Math.floor(at.getTime() / 1000) * 1000
  const p = wallClockParts(at, timeZone)
  const wall = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`
  const offsetMinutes = Math.round((Date.parse(`${wall}Z`) - seconds) / 60_000)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `${wall}${offset}`
}
