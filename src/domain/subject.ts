import type { Deceased } from './cremation-record.js'
import { carriesCitizenNumber } from './check-deceased.js'

/**
 * The normalised identity of a deceased person, the input of the blind index (`subject_key`).
 * A 公民身份号码 identifies the person whichever document showed it (身份证 or 户口簿); other
 * documents are only unique within their type.
 */
export function subjectIdentity (deceased: Pick<Deceased, 'idType' | 'idNumber'>): string {
  return carriesCitizenNumber(deceased.idType) ? `cn:${deceased.idNumber}` : `${deceased.idType}:${deceased.idNumber}`
}
