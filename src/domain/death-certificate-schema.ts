import { Type, type Static } from '@sinclair/typebox'
import { CremationBodySchema, DeceasedSchema, Instant, Text } from './cremation-schema.js'
import { CREMATION_FIELDS, type FieldDictionary } from './field-labels.js'

/**
 * The death medical certificate exactly as a health institution POSTs it to
 * `/v1/death-certificates` (DESIGN §5). Shape only, like `cremation-schema.ts`, and compiled the
 * same way (`allErrors`, no coercion, unknown fields are errors): the arithmetic and the clock
 * (ID and credit-code check characters, the numbering rule, date order) are in
 * `validate-death-certificate.ts`.
 *
 * There is no cause-of-death field on purpose: a client that sends one gets it refused by name.
 */

const closed = { additionalProperties: false } as const

/** Letters, digits and dashes, half- or full-width, with stray spaces (removed in normalisation);
 * it must start, after spaces and dashes, with a letter or a digit. The leading class and the
 * second class are disjoint, so the pattern runs in linear time on any input. */
const CODE_CHARS = '0-9A-Za-z\\uFF10-\\uFF19\\uFF21-\\uFF3A\\uFF41-\\uFF5A'
const CERTIFICATE_NO_PATTERN = `^[\\s\\uFF0D-]*[${CODE_CHARS}][\\s${CODE_CHARS}\\uFF0D-]*$`

export const DeathCertificateBodySchema = Type.Object({
  /** 死亡医学证明编号: the ID number as people type it, so widths and spaces are tolerated here. */
  certificateNo: Type.String({ minLength: 1, maxLength: 40, pattern: CERTIFICATE_NO_PATTERN }),
  /** The cremation record's fields, so that both documents of one person are checked alike. */
  deceased: Type.Pick(DeceasedSchema, ['name', 'gender', 'idType', 'idNumber', 'birthDate', 'ethnicity'], closed),
  death: Type.Pick(CremationBodySchema.properties.death, ['time', 'place'], closed),
  issuer: Type.Object({
    /** Raw length is generous for spaces; the 18-character rule applies after normalisation. */
    creditCode: Text(30),
    name: Text(100)
  }, closed),
  issuedAt: Instant
}, closed)

/** The body as posted: shape-checked, not yet normalised (compare `DeathCertificate`). */
export type DeathCertificateBody = Static<typeof DeathCertificateBodySchema>

/** Chinese names of the certificate's fields, for error messages (as `CREMATION_FIELDS`). */
export const DEATH_CERTIFICATE_FIELDS: FieldDictionary = Object.freeze({
  '': { label: '请求体' },
  '/certificateNo': { label: '死亡医学证明编号', patternHint: '只能包含字母、数字和“-”' },
  '/deceased': { label: '逝者信息' },
  '/deceased/name': { label: '逝者姓名' },
  '/deceased/gender': CREMATION_FIELDS['/deceased/gender']!,
  '/deceased/idType': CREMATION_FIELDS['/deceased/idType']!,
  '/deceased/idNumber': { label: '逝者证件号码' },
  '/deceased/birthDate': { label: '逝者出生日期' },
  '/deceased/ethnicity': { label: '逝者民族' },
  '/death': { label: '死亡信息' },
  '/death/time': { label: '死亡时间' },
  '/death/place': CREMATION_FIELDS['/death/place']!,
  '/issuer': { label: '开具机构' },
  '/issuer/creditCode': { label: '开具机构统一社会信用代码' },
  '/issuer/name': { label: '开具机构名称' },
  '/issuedAt': { label: '死亡医学证明开具时间' }
})
