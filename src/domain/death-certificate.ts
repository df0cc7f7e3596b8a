import type { DeathPlaceCode } from './codes.js'
import type { Deceased } from './cremation-record.js'
import { subjectIdentity } from './subject.js'

/**
 * The canonical, normalised death medical certificate (《居民死亡医学证明（推断）书》, DESIGN §5),
 * as the hub keeps it after validation. It corroborates a cremation record of the same person.
 * Instants are ISO 8601 strings in UTC; calendar dates are `YYYY-MM-DD`.
 *
 * The cause of death is deliberately absent: no department in this flow needs it, so the hub
 * neither accepts nor stores it.
 */
export interface DeathCertificate {
  /**
   * 死亡医学证明编号. For certificates issued from 2026-07-01 it is the deceased's 18-character ID
   * number (idType 1/2, or a 驾驶证 numbered with it), or `<issuer credit code>-<serial>` for a deceased without one.
   */
  certificateNo: string
  /** The same fields, normalised the same way, as the cremation record's deceased. */
  deceased: CertifiedDeceased
  death: { time: string, place: DeathPlaceCode }
  issuer: {
    /** GB 32100 unified social credit code, 18 characters, upper case. */
    creditCode: string
    name: string
  }
  issuedAt: string
}

export type CertifiedDeceased = Pick<Deceased, 'name' | 'gender' | 'idType' | 'idNumber' | 'birthDate' | 'ethnicity'>

/**
 * The identity of the certificate's deceased for the blind index: equal to the cremation
 * record's identity for the same person (whichever of 身份证 / 户口簿 each saw), so both records
 * merge into one notice.
 */
export function deathCertificateSubject (certificate: { deceased: Pick<CertifiedDeceased, 'idType' | 'idNumber'> }): string {
  return subjectIdentity(certificate.deceased)
}
