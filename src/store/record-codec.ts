import type { CremationRecord, Deceased, Informant } from '../domain/cremation-record.js'
import type { FieldCrypto } from '../security/crypto.js'

/**
 * The fields of a cremation record that identify or reach a person: sealed at rest. The medical
 * certificate number is one of them: since 2026-07-01 it is the deceased's ID number (DESIGN §5);
 * the cremation operator is a staff member's name.
 */
export interface CremationPersonal {
  deceased: Pick<Deceased, 'name' | 'idNumber' | 'birthDate' | 'ethnicity' | 'householdAddress'>
  medicalCertificateNo?: string
  operator?: string
  informant?: Informant
}

/** The rest: codes, dates and organisations, kept in clear for queries and reports. */
export type CremationData = Omit<CremationRecord, 'deceased' | 'informant' | 'death' | 'cremation'> & {
  deceased: Omit<Deceased, 'name' | 'idNumber' | 'birthDate' | 'ethnicity' | 'householdAddress'>
  death: Omit<CremationRecord['death'], 'medicalCertificateNo'>
  cremation: Omit<CremationRecord['cremation'], 'operator'>
}

export function splitCremation (record: CremationRecord): { personal: CremationPersonal, data: CremationData } {
  const { name, idNumber, birthDate, ethnicity, householdAddress, ...deceasedRest } = record.deceased
  const { medicalCertificateNo, ...death } = record.death
  const { operator, ...cremation } = record.cremation
  const { informant, deceased: _d, death: _t, cremation: _c, ...rest } = record
  const personal: CremationPersonal = dropUndefined({
    deceased: dropUndefined({ name, idNumber, birthDate, ethnicity, householdAddress }),
    medicalCertificateNo,
    operator,
    informant
  })
  return { personal, data: { ...rest, deceased: deceasedRest, death, cremation } }
}

export function joinCremation (data: CremationData, personal: CremationPersonal): CremationRecord {
  const record: CremationRecord = {
    ...data,
    deceased: { ...data.deceased, ...personal.deceased },
    death: dropUndefined({ ...data.death, medicalCertificateNo: personal.medicalCertificateNo }),
    cremation: dropUndefined({ ...data.cremation, operator: personal.operator })
  }
  if (personal.informant !== undefined) record.informant = personal.informant
  return record
}

/** A stored cremation record as its mapping needs it: personal fields opened with `crypto`. */
export function openCremation (crypto: FieldCrypto, stored: { recordData: unknown, personalEnc: string }): CremationRecord {
  return joinCremation(stored.recordData as CremationData, crypto.open<CremationPersonal>(stored.personalEnc))
}

function dropUndefined<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
