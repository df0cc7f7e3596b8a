import type { FieldError } from './field-error.js'
import { fieldLabel, type FieldDictionary } from './field-labels.js'

/**
 * Characters no field of any document may hold; a field holding one is refused with
 * `HUB_ERR_CHARACTERS`, never cleaned silently (the sender must fix its data, and a department
 * must get exactly what was sent or nothing):
 * - C0 and C1 controls and DEL (`\p{Cc}`: U+0000–U+001F, U+007F–U+009F, line breaks and tabs
 *   included): no name, code or address holds one, PostgreSQL refuses NUL, and a CR/LF or a NEL
 *   splits a line of a department's CSV or fixed-width file;
 * - U+2028 and U+2029, the line and paragraph separators, for the same reason;
 * - bidirectional formatting (`\p{Bidi_Control}`: U+061C, U+200E–U+200F, U+202A–U+202E,
 *   U+2066–U+2069): invisible, and an override makes a name or number display in another order
 *   than it is stored, so an operator would read one value and a department match another;
 * - unpaired UTF-16 surrogates (`\p{Cs}`), which no encoding a department reads can carry;
 * - noncharacters (U+FDD0–U+FDEF and the last two code points of every plane), reserved for a
 *   program's internal use;
 * - U+FFFD, the replacement character: the sender's system already lost a character it could
 *   not decode, and a name with a hole in it must not stop the wrong person's pension.
 * Names also drop zero-width spaces and BOMs on normalisation (`text.ts`): those are invisible
 * copy-paste debris, harmless once removed.
 */
const UNSAFE = /[\p{Cc}\p{Cs}\p{Bidi_Control}\p{Noncharacter_Code_Point}\u2028\u2029\uFFFD]/u

/** True when `text` holds a character of the list above. */
export function isUnsafeText (text: string): boolean {
  return UNSAFE.test(text)
}

/**
 * Deeper than any schema the hub accepts: below this the schema check has already failed, and a
 * walk of a hostile body thousands of levels deep would overflow the stack (a 500).
 */
const MAX_DEPTH = 16

/** Every string in `body` that holds an unsafe character, as field errors. */
export function unsafeTextErrors (body: unknown, fields: FieldDictionary, pointer = '', depth = 0): FieldError[] {
  if (typeof body === 'string') {
    return UNSAFE.test(body)
      ? [{ pointer, code: 'HUB_ERR_CHARACTERS', message: `${fieldLabel(pointer, fields)}含有控制字符、双向文本控制符或无效字符` }]
      : []
  }
  if (depth >= MAX_DEPTH) return []
  if (Array.isArray(body)) return body.flatMap((v, i) => unsafeTextErrors(v, fields, `${pointer}/${i}`, depth + 1))
  if (body !== null && typeof body === 'object') {
    return Object.entries(body).flatMap(([k, v]) =>
      unsafeTextErrors(v, fields, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, depth + 1))
  }
  return []
}
