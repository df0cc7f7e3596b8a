import type { DeathCircumstance, DeathPlaceCode, GenderCode, IdTypeCode } from './codes.js'

/**
 * The canonical, normalised cremation record (DESIGN §5), as the hub keeps it after validation.
 * Instants are ISO 8601 strings in UTC (`2026-03-01T16:30:00.000Z`); calendar dates are `YYYY-MM-DD`.
 */
export interface CremationRecord {
  certificateNo: string
  funeralHome: { code: string, name: string }
  deceased: Deceased
  death: {
    time: string
    place: DeathPlaceCode
    circumstance: DeathCircumstance
    medicalCertificateNo?: string
  }
  cremation: { time: string, operator?: string }
  informant?: Informant
  issuedAt: string
}

export interface Deceased {
  name: string
  gender: GenderCode
  idType: IdTypeCode
  /** For idType '1' and '2', and '5' numbered with the 公民身份号码: always the 18-character GB 11643 number, upper-case X. */
  idNumber: string
  birthDate?: string
  ethnicity?: string
  householdAddress?: string
  /** GB/T 2260 six-digit administrative division code. */
  householdDivision?: string
  policeStation?: { code: string, name: string }
}

export interface Informant {
  name: string
  relation: string
  phone: string
}
