import type { FieldError } from './field-error.js'
import { fieldLabel, type FieldDictionary } from './field-labels.js'
import { isFieldName, JSON_LIMITS } from './json-structure.js'

/**
 * The fields of a body that is not UTF-8, for the `400` that refuses it. The body is decoded
 * leniently only to find them: every field whose text then holds U+FFFD (where a byte could not
 * be read) is named; a key holding one, or any key that is no field name (it is never echoed),
 * names its object; and a body that is not JSON once decoded is named as a whole. Nothing
 * decoded this way is ever kept.
 */
export function undecodableErrors (
  bytes: Buffer, fields: FieldDictionary, /** false: name the body as a whole, unparsed */ parse = true
): FieldError[] {
  const whole = [error('', fields)]
  if (!parse) return whole
  let body: unknown
  try {
    body = JSON.parse(bytes.toString('utf8'))
  } catch {
    return whole
  }
  const found: FieldError[] = []
  // Bounded like a body that decodes: a hostile one must not cost more to refuse.
  let budget = JSON_LIMITS.maxValues
  const walk = (value: unknown, pointer: string, depth: number): void => {
    if (--budget < 0) return
    if (typeof value === 'string') {
      if (value.includes('\uFFFD')) found.push(error(pointer, fields))
      return
    }
    if (value === null || typeof value !== 'object' || depth >= JSON_LIMITS.maxDepth) return
    const entries = Object.entries(value)
    const named = Array.isArray(value) ? entries : entries.filter(([k]) => isFieldName(k))
    if (named.length < entries.length) found.push(error(pointer, fields))
    for (const [k, v] of named) walk(v, `${pointer}/${k}`, depth + 1)
  }
  walk(body, '', 0)
  return found.length > 0 ? found : whole
}

function error (pointer: string, fields: FieldDictionary): FieldError {
  return { pointer, code: 'HUB_ERR_CHARACTERS', message: `${fieldLabel(pointer, fields)}含有不是 UTF-8 编码的字节（请求体须以 UTF-8 编码发送）` }
}
