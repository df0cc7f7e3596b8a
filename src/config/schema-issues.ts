import type { ErrorObject } from 'ajv'
import localizeModule from 'ajv-i18n/localize/zh/index.js'

// CommonJS `module.exports = localize`, typed as if it were an ES default export.
const localizeZh = localizeModule as unknown as (errors: ErrorObject[]) => void

export interface ConfigIssue { path: string, reason: string }

/**
 * ajv's errors on the config file → one Chinese line per problem. A choice among fixed values
 * (a union of literals, such as `log.level`) fails once per value and once more as a whole;
 * the operator needs one line that lists what is allowed.
 */
export function configSchemaIssues (errors: readonly ErrorObject[] | null | undefined): ConfigIssue[] {
  const list = (errors ?? []).map(e => ({ ...e }))
  localizeZh(list)
  // Only a union of literals is summarised: one of objects (an auth block) fails inside its
  // members, and those errors (a missing token, an unknown key) are what the operator must read.
  const literalOnly = (path: string): boolean => list.every(e =>
    e.keyword === 'anyOf' || e.keyword === 'const' || (e.instancePath !== path && !e.instancePath.startsWith(`${path}/`)))
  const choices = new Set(list.filter(e => e.keyword === 'anyOf' && literalOnly(e.instancePath)).map(e => e.instancePath))
  const allowed = new Map<string, unknown[]>()
  for (const e of list) {
    if (e.keyword === 'const' && choices.has(e.instancePath)) {
      allowed.set(e.instancePath, [...allowed.get(e.instancePath) ?? [], (e.params as { allowedValue: unknown }).allowedValue])
    }
  }
  const issues: ConfigIssue[] = []
  for (const e of list) {
    // The alternatives' own failures at the same place say nothing the summary below does not.
    if (choices.has(e.instancePath) && e.keyword !== 'anyOf') continue
    const values = allowed.get(e.instancePath)
    issues.push({
      path: pathOf(e),
      reason: e.keyword === 'anyOf' && values !== undefined
        ? `应为以下值之一：${values.map(v => String(v)).join('、')}`
        : e.keyword === 'const'
          ? `应当等于 ${String((e.params as { allowedValue: unknown }).allowedValue)}`
          : e.message ?? e.keyword
    })
  }
  return issues
}

/** The JSON pointer of the problem; for a missing or unknown key, of that key. */
function pathOf (e: ErrorObject): string {
  const params = e.params as { missingProperty?: string, additionalProperty?: string }
  const key = e.keyword === 'required' ? params.missingProperty : e.keyword === 'additionalProperties' ? params.additionalProperty : undefined
  return (key === undefined ? e.instancePath : `${e.instancePath}/${key}`) || '/'
}
