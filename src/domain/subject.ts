import type { Deceased } from './cremation-record.js'
import { carriesCitizenNumber } from './check-deceased.js'

/**
 * The normalised identity of a deceased person, the input of the blind index (`subject_key`).
 * A 公民身份号码 identifies the person whichever document showed it (身份证, 户口簿, or a 驾驶证
 * numbered with it); other documents are only unique within their type.
 *
 * Records stored before 驾驶证 numbers were recognised as 公民身份号码 keep their `5:` key (they
 * are not migrated): such a person is not matched with their other documents, and a correction
 * of such a record now computes a `cn:` key and is answered as naming another person.
 */
export function subjectIdentity (deceased: Pick<Deceased, 'idType' | 'idNumber'>): string {
  return carriesCitizenNumber(deceased) ? `cn:${deceased.idNumber}` : `${deceased.idType}:${deceased.idNumber}`
}
