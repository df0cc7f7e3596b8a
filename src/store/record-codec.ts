import type { CremationRecord, Deceased, Informant } from '../domain/cremation-record.js'

/** The fields of a cremation record that identify or reach a person: sealed at rest. */
export interface CremationPersonal {
  deceased: Pick<Deceased, 'name' | 'idNumber' | 'birthDate' | 'ethnicity' | 'householdAddress'>
  informant?: Informant
}

/** The rest: codes, dates and organisations, kept in clear for queries and reports. */
export type CremationData = Omit<CremationRecord, 'deceased' | 'informant'> & {
  deceased: Omit<Deceased, 'name' | 'idNumber' | 'birthDate' | 'ethnicity' | 'householdAddress'>
}

export function splitCremation (record: CremationRecord): { personal: CremationPersonal, data: CremationData } {
  const { name, idNumber, birthDate, ethnicity, householdAddress, ...deceasedRest } = record.deceased
  const { informant, deceased: _deceased, ...rest } = record
  const personal: CremationPersonal = { deceased: dropUndefined({ name, idNumber, birthDate, ethnicity, householdAddress }) }
  if (informant !== undefined) personal.informant = informant
  return { personal, data: { ...rest, deceased: deceasedRest } }
}

export function joinCremation (data: CremationData, personal: CremationPersonal): CremationRecord {
  const record: CremationRecord = { ...data, deceased: { ...data.deceased, ...personal.deceased } }
  if (personal.informant !== undefined) record.informant = personal.informant
  return record
}

function dropUndefined<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
