import type { FieldError } from './field-error.js'
import { fieldLabel, type FieldDictionary } from './field-labels.js'

/**
 * Control characters (NUL above all) and unpaired UTF-16 surrogates: no legitimate name, code or
 * address contains them, PostgreSQL refuses NUL in text, and a department system may choke on
 * them. They are refused at the door with the field named, not discovered as a 500 later.
 */
const UNSAFE = /[\u0000-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `text` holds a control character or an unpaired surrogate. */
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
      ? [{ pointer, code: 'HUB_ERR_CHARACTERS', message: `${fieldLabel(pointer, fields)}含有控制字符或无效字符` }]
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
