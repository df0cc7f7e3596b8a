import { firstDayOfNextMonth, localDate } from '../domain/business-date.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { MappingContext } from './mapping.js'

/**
 * Facts of a death that several departments' notices carry, each computed in one place so that
 * every department reads the same date of death and the same rule for when payments stop.
 */

/**
 * When a department stops paying (DESIGN §6): from the date of death itself (人社, 医保, and
 * 公积金's sealing, 公安's cancellation), or from the first day of the following month, the month
 * of death being still due in full (民政, 残联, 退役军人).
 */
export type StopRule = 'death-date' | 'next-month'

export interface DeathDates {
  /** `YYYY-MM-DD`, local to the county. */
  deathDate: string
  /** `YYYY-MM-DD`: the first day on which nothing more is due, by the department's rule. */
  stopFrom: string
}

/** The date of death in the county's zone, and the first day nothing is due under `rule`. */
export function deathDates (record: CremationRecord, ctx: MappingContext, rule: StopRule): DeathDates {
  const deathDate = localDate(record.death.time, ctx.timeZone)
  return { deathDate, stopFrom: rule === 'death-date' ? deathDate : firstDayOfNextMonth(deathDate) }
}

/** Where the deceased was cremated, as a copy: a message never shares objects with the frozen record. */
export function funeralHomeOf (record: CremationRecord): { code: string, name: string } {
  return { code: record.funeralHome.code, name: record.funeralHome.name }
}

/** `{ householdDivision }` when the funeral home knew it, `{}` otherwise: absent, never `undefined`. */
export function householdDivisionOf (record: CremationRecord): { householdDivision?: string } {
  const { householdDivision } = record.deceased
  return householdDivision !== undefined ? { householdDivision } : {}
}
