import type { FieldError } from './field-error.js'
import { fieldLabel, type FieldDictionary } from './field-labels.js'

/**
 * What `JSON.parse` lets through and the hub refuses, found in one pass over the text of a body
 * that already parsed:
 * - a key given twice in one object. `JSON.parse` keeps the last, so `"idNumber"` twice would
 *   store the second person while a log or a proxy that reads the first sees another;
 * - a key that is no field name (`FIELD_NAME`): the hub's fields are ASCII camelCase, and such a
 *   key is never echoed back, since it could be anything — an ID number, a control character,
 *   a megabyte;
 * - nesting deeper than `maxDepth`, or more than `maxValues` values in all: the documents are
 *   small, and validating (and listing the errors of) a huge one costs CPU every request pays for.
 * @see RFC 7493 (I-JSON) §2.3: member names MUST be unique
 */

export interface JsonLimits {
  /** Objects and arrays open at once. @defaultValue 16 */
  maxDepth: number
  /** Objects, arrays, strings, numbers and literals in the whole body. @defaultValue 1000 */
  maxValues: number
}

export const JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxDepth: 16, maxValues: 1000 })

/**
 * Whether `key` may name a field, and so be echoed in a JSON pointer: a letter or `_`, then
 * letters, digits and `_`, up to 64 characters, with no six digits in a row (a number that long
 * may be someone's). Written out rather than as a regular expression: it runs for every key of
 * every request, and this is a third of the cost of the one with a look-ahead.
 */
export function isFieldName (key: string): boolean {
  if (key.length === 0 || key.length > 64) return false
  let digits = 0
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) {
      if (i === 0 || ++digits === 6) return false
      continue
    }
    digits = 0
    if (!((c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c === 0x5F)) return false
  }
  return true
}

const QUOTE = 0x22
const BACKSLASH = 0x5C
const COLON = 0x3A
const COMMA = 0x2C
const OPEN_OBJECT = 0x7B
const OPEN_ARRAY = 0x5B
const CLOSE_OBJECT = 0x7D
const CLOSE_ARRAY = 0x5D

/**
 * The first structural problem of `text` as a field error; `undefined` when there is none.
 * Linear in the length of `text`, and run BEFORE `JSON.parse`: parsing 90,000 keys into one
 * object costs ~80 ms, finding that there are too many costs well under one. Exact on JSON; on
 * text that is not JSON it may find nothing (the parse then refuses it) or a problem in the part
 * it could read, which is then the reason given.
 */
export function jsonStructureError (text: string, fields: FieldDictionary, limits: JsonLimits = JSON_LIMITS): FieldError | undefined {
  // Per open container: the keys it has had (an object) or null (an array), and in `path` the
  // key or index of the member being read, so a pointer can be made when needed.
  const keys: Array<Set<string> | null> = []
  const path: string[] = []
  let values = 0
  // A byte-order mark is allowed before the body (as `secure-json-parse` allows it).
  for (let i = text.charCodeAt(0) === 0xFEFF ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c <= 0x20) continue
    if (c === QUOTE) {
      const end = closingQuote(text, i)
      if (end < 0) return undefined
      let next = end + 1
      while (text.charCodeAt(next) <= 0x20) next++
      if (text.charCodeAt(next) !== COLON) {
        if (++values > limits.maxValues) return tooComplex(fields, `超过 ${limits.maxValues} 个值`)
        i = end
        continue
      }
      const depth = keys.length - 1
      const seen = keys[depth]
      const key = decodeKey(text, i, end)
      // A key outside an object, or one that does not decode: not JSON, and the parse says so.
      if (seen === undefined || seen === null || key === undefined) return undefined
      const parent = pointer(path, depth)
      if (!isFieldName(key)) {
        return { pointer: parent, code: 'HUB_ERR_UNKNOWN_FIELD', message: `${fieldLabel(parent, fields)}含有不允许的字段名（字段名只能由英文字母、数字和下划线组成，最长 64 个字符）` }
      }
      if (seen.has(key)) {
        const at = `${parent}/${key}`
        return { pointer: at, code: 'HUB_ERR_DUPLICATE_KEY', message: `${fieldLabel(at, fields)}（${at}）在请求体中出现了不止一次` }
      }
      seen.add(key)
      path[depth] = key
      i = next
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++values > limits.maxValues) return tooComplex(fields, `超过 ${limits.maxValues} 个值`)
      if (keys.length === limits.maxDepth) return tooComplex(fields, `嵌套超过 ${limits.maxDepth} 层`)
      keys.push(c === OPEN_OBJECT ? new Set() : null)
      path.push('0')
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      keys.pop()
      path.pop()
    } else if (c === COMMA) {
      const depth = keys.length - 1
      if (keys[depth] === null) path[depth] = String(Number(path[depth]) + 1)
    } else {
      // A number, true, false or null: count it and skip to its end.
      if (++values > limits.maxValues) return tooComplex(fields, `超过 ${limits.maxValues} 个值`)
      while (isScalarChar(text.charCodeAt(i + 1))) i++
    }
  }
  return undefined
}

/** Index of the quote that closes the string opened at `start` (the next one not escaped), or -1. */
function closingQuote (text: string, start: number): number {
  let end = text.indexOf('"', start + 1)
  while (end >= 0) {
    let slashes = 0
    while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++
    if (slashes % 2 === 0) return end
    end = text.indexOf('"', end + 1)
  }
  return -1
}

/** The key quoted from `start` to `end`, its escapes decoded; `undefined` if they do not decode. */
function decodeKey (text: string, start: number, end: number): string | undefined {
  const raw = text.slice(start + 1, end)
  if (!raw.includes('\\')) return raw
  try {
    return JSON.parse(text.slice(start, end + 1)) as string
  } catch {
    return undefined
  }
}

/** Digits, signs, `.`, and the lower-case letters of exponents and of true, false and null. */
function isScalarChar (c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A) || c === 0x2D || c === 0x2B || c === 0x2E || c === 0x45
}

/** The pointer of the container at `depth` (the body itself at 0). */
function pointer (path: readonly string[], depth: number): string {
  let p = ''
  for (let j = 0; j < depth; j++) p += `/${path[j]!}`
  return p
}

function tooComplex (fields: FieldDictionary, what: string): FieldError {
  return { pointer: '', code: 'HUB_ERR_BODY_TOO_COMPLEX', message: `${fieldLabel('', fields)}结构过于复杂：${what}` }
}
