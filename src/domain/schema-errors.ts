import { Ajv, type AnySchema, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import { unsafeTextErrors } from './unsafe-text.js'
import type { FieldError } from './field-error.js'
import { fieldInfo, type FieldDictionary } from './field-labels.js'

/**
 * JSON Schema validation whose errors are `FieldError`s: one per failing field, with a stable
 * code and a Chinese message naming the field. Generic over documents: pass the document's
 * field dictionary (`CREMATION_FIELDS`, later the death certificate's).
 */

export type SchemaErrorCode =
  | 'HUB_ERR_REQUIRED' | 'HUB_ERR_UNKNOWN_FIELD' | 'HUB_ERR_TYPE' | 'HUB_ERR_FORMAT'
  | 'HUB_ERR_ENUM' | 'HUB_ERR_LENGTH' | 'HUB_ERR_PATTERN' | 'HUB_ERR_INVALID'

export type SchemaCheck<T> = { ok: true, value: T } | { ok: false, errors: FieldError[] }

/**
 * Every option here matters to the error report: `allErrors` to list every failing field at once,
 * `verbose` so a length error can quote both bounds, and no `coerceTypes` / `removeAdditional`
 * (Fastify's defaults), because a code sent as a number and an unknown field are errors.
 */
function createAjv (): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, coerceTypes: false, removeAdditional: false, useDefaults: false })
  addFormats.default(ajv)
  return ajv
}

let shared: Ajv | undefined

/** Compiles `schema` once; the returned function is pure and cheap to call. */
export function createSchemaValidator<T> (schema: AnySchema, fields: FieldDictionary): (body: unknown) => SchemaCheck<T> {
  shared ??= createAjv()
  const validate = shared.compile(schema)
  return body => {
    const errors = [...(validate(body) ? [] : toFieldErrors(validate.errors, fields)), ...unsafeTextErrors(body, fields)]
    return errors.length === 0 ? { ok: true, value: body as T } : { ok: false, errors }
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: '字符串', number: '数字', integer: '整数', boolean: '布尔值', object: 'JSON 对象', array: '数组', null: 'null'
}

/** A blank-string guard (`pattern: '\S'`) says nothing new next to an empty-string error. */
const NON_BLANK = '\\S'

/**
 * ajv errors → `FieldError[]`, in ajv's order, one per pointer and code. A type error hides the
 * other errors of its field: a number where a code belongs is not also "not in the code table".
 */
export function toFieldErrors (errors: readonly ErrorObject[] | null | undefined, fields: FieldDictionary): FieldError[] {
  const converted = (errors ?? []).map(e => toFieldError(e, fields))
  const typed = new Set(converted.filter(e => e.code === 'HUB_ERR_TYPE').map(e => e.pointer))
  const sized = new Set(converted.filter(e => e.code === 'HUB_ERR_LENGTH').map(e => e.pointer))
  const seen = new Set<string>()
  return converted.filter(e => {
    const key = `${e.pointer}\u0000${e.code}`
    if (seen.has(key)) return false
    seen.add(key)
    if (typed.has(e.pointer) && e.code !== 'HUB_ERR_TYPE') return false
    return !(e.blankGuard && sized.has(e.pointer))
  }).map(({ pointer, code, message }) => ({ pointer, code, message }))
}

function toFieldError (e: ErrorObject, fields: FieldDictionary): FieldError & { blankGuard?: true } {
  const params = e.params as Record<string, unknown>
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>

  if (e.keyword === 'required') {
    const pointer = child(e.instancePath, String(params.missingProperty))
    const label = fieldInfo(pointer, fields)?.label
    return err(pointer, 'HUB_ERR_REQUIRED', label === undefined ? `缺少必填字段：${pointer}` : `缺少必填字段：${label}（${pointer}）`)
  }
  if (e.keyword === 'additionalProperties') {
    const pointer = child(e.instancePath, String(params.additionalProperty))
    return err(pointer, 'HUB_ERR_UNKNOWN_FIELD', `不允许的字段：${pointer}`)
  }

  const pointer = e.instancePath
  const info = fieldInfo(pointer, fields)
  const label = info?.label ?? pointer
  switch (e.keyword) {
    case 'type': {
      const types = String(params.type).split(',').map(t => TYPE_NAMES[t] ?? t).join('或')
      return err(pointer, 'HUB_ERR_TYPE', `${label}类型错误：应为${types}`)
    }
    case 'format':
      return err(pointer, 'HUB_ERR_FORMAT', formatMessage(label, String(params.format)))
    case 'enum':
    case 'const': {
      const allowed = (e.keyword === 'enum' ? params.allowedValues as unknown[] : [params.allowedValue]).map(String).join('、')
      const message = info?.codeTable === undefined
        ? `${label}的取值不在允许范围内（允许 ${allowed}）`
        : spaced(`${label}代码不在`, `${info.codeTable}中（允许 ${allowed}）`)
      return err(pointer, 'HUB_ERR_ENUM', message)
    }
    case 'minLength':
    case 'maxLength':
      return err(pointer, 'HUB_ERR_LENGTH', lengthMessage(label, e.keyword, Number(params.limit), parent))
    case 'pattern': {
      const pattern = String(params.pattern)
      if (pattern === NON_BLANK) return { ...err(pointer, 'HUB_ERR_PATTERN', `${label}不能为空白`), blankGuard: true }
      return err(pointer, 'HUB_ERR_PATTERN', info?.patternHint === undefined
        ? `${label}格式不正确（应匹配 ${pattern}）`
        : `${label}格式不正确：${info.patternHint}`)
    }
    default:
      return err(pointer, 'HUB_ERR_INVALID', `${label}无效（${e.keyword}：${e.message ?? ''}）`)
  }
}

function formatMessage (label: string, format: string): string {
  if (format === 'date') return `${label}应为有效日期，格式 YYYY-MM-DD（如 1938-05-12）`
  if (format === 'date-time') return `${label}应为带时区的 ISO 8601 时间（如 2026-11-20T06:40:00+08:00）`
  return `${label}格式不正确（应为 ${format}）`
}

function lengthMessage (label: string, keyword: string, limit: number, parent: Record<string, unknown>): string {
  const min = typeof parent.minLength === 'number' ? parent.minLength : undefined
  const max = typeof parent.maxLength === 'number' ? parent.maxLength : undefined
  if (keyword === 'minLength' && limit === 1) return `${label}不能为空`
  if (min !== undefined && max !== undefined) return `${label}长度应为 ${min}–${max} 个字符`
  return keyword === 'minLength' ? `${label}至少 ${limit} 个字符` : `${label}最多 ${limit} 个字符`
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
function child (parent: string, property: string): string {
  return `${parent}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`
}

/** Chinese typesetting puts a space between CJK text and Latin letters or digits. */
function spaced (left: string, right: string): string {
  return /[A-Za-z0-9]$/.test(left) || /^[A-Za-z0-9]/.test(right) ? `${left} ${right}` : left + right
}

function err (pointer: string, code: SchemaErrorCode, message: string): FieldError {
  return { pointer, code, message }
}
