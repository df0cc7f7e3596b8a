import { Type, type Static, type TString, type TUnsafe } from '@sinclair/typebox'
import { DEATH_CIRCUMSTANCE, DEATH_PLACE, GENDER, ID_TYPE } from './codes.js'

/**
 * The cremation record exactly as a funeral home POSTs it to `/v1/cremations` (DESIGN §5).
 * This schema checks shape only: types, lengths, code tables, formats. Everything that needs
 * arithmetic or a clock (ID check digit, date order, name rules) is in `validate-cremation.ts`.
 *
 * Compile with `allErrors: true`, ajv-formats, and NO type coercion and NO `removeAdditional`:
 * codes must arrive as strings (`"1"`, not `1`) and unknown fields are an error, not dropped.
 */

/** A code from one of the national tables. `type` + `enum` (not TypeBox's anyOf of literals) so a
 * wrong value is one `enum` error listing what is allowed. */
export function CodeOf<T extends Record<string, string>> (table: T): TUnsafe<keyof T & string> {
  return Type.Unsafe<keyof T & string>({ type: 'string', enum: Object.keys(table) })
}

/** Free text: 1–max characters with at least one that is not whitespace (it is trimmed later). */
export function Text (maxLength: number): TString {
  return Type.String({ minLength: 1, maxLength, pattern: '\\S' })
}

/**
 * RFC 3339 date-time: ajv-formats' `date-time` requires a `Z` or `±hh:mm` offset, so a local
 * time without a zone — ambiguous across systems — is a schema error.
 * @see RFC 3339 §5.6
 */
export const Instant = Type.String({ format: 'date-time' })
const CalendarDate = Type.String({ format: 'date' })

const closed = { additionalProperties: false } as const

export const PoliceStationSchema = Type.Object({
  code: Text(20),
  name: Text(100)
}, closed)

export const DeceasedSchema = Type.Object({
  /** Raw length is generous; the 1–50 rule applies after whitespace is folded. */
  name: Text(100),
  gender: CodeOf(GENDER),
  idType: CodeOf(ID_TYPE),
  idNumber: Text(40),
  birthDate: Type.Optional(CalendarDate),
  ethnicity: Type.Optional(Text(20)),
  householdAddress: Type.Optional(Text(200)),
  /** @see GB/T 2260 中华人民共和国行政区划代码 */
  householdDivision: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{5}$' })),
  policeStation: Type.Optional(PoliceStationSchema)
}, closed)

export const CremationBodySchema = Type.Object({
  /** 火化证明编号; surrounding whitespace is tolerated here and trimmed in normalisation. */
  certificateNo: Type.String({ minLength: 1, maxLength: 40, pattern: '^\\s*[A-Za-z0-9-]+\\s*$' }),
  funeralHome: Type.Object({
    code: Text(40),
    name: Text(100)
  }, closed),
  deceased: DeceasedSchema,
  death: Type.Object({
    time: Instant,
    place: CodeOf(DEATH_PLACE),
    circumstance: CodeOf(DEATH_CIRCUMSTANCE),
    medicalCertificateNo: Type.Optional(Text(40))
  }, closed),
  cremation: Type.Object({
    time: Instant,
    operator: Type.Optional(Text(50))
  }, closed),
  informant: Type.Optional(Type.Object({
    name: Text(100),
    relation: Text(20),
    phone: Text(30)
  }, closed)),
  issuedAt: Instant
}, closed)

/** The body as posted: shape-checked, not yet normalised (compare `CremationRecord`). */
export type CremationBody = Static<typeof CremationBodySchema>
