import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { parse as parseYaml } from 'yaml'
import { isKnownTimeZone } from '../domain/business-date.js'
import { HubConfigSchema, type HubConfig } from './schema.js'
import { configSchemaIssues } from './schema-issues.js'
import { semanticIssues } from './semantics.js'

/** A configuration the hub refuses to run with; lists every problem with its path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'

  constructor (readonly source: string, readonly issues: ReadonlyArray<{ path: string, reason: string }>) {
    super(`配置无效 (${source}):\n${issues.map(i => i.path === '' ? `  ${i.reason}` : `  ${i.path}: ${i.reason}`).join('\n')}`)
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false })
addFormats.default(ajv)
const validate = ajv.compile(HubConfigSchema)

export const MISSING_MASTER_KEY = '未设置主密钥：请设置环境变量 HUB_MASTER_KEY（32 字节，十六进制或 base64）'

/** Environment variables that override the file, so one file serves every machine. */
export interface ConfigEnv {
  PORT?: string
  REDIS_URL?: string
  DATABASE_URL?: string
  HUB_MASTER_KEY?: string
  [name: string]: string | undefined
}

/** Reads, substitutes `${ENV}` references, applies env overrides, validates and freezes. */
export function loadConfigFile (file: string, env: ConfigEnv, options: ResolveOptions = {}): Readonly<HubConfig> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, [{ path: '', reason: `无法读取配置文件：${(err as Error).message}` }])
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (err) {
    throw new ConfigError(file, [{ path: '', reason: `YAML 语法错误：${(err as Error).message}` }])
  }
  return resolveConfig(parsed, env, file, options)
}

/** Validates an already-parsed config object (tests and the demo build theirs in code). */
export interface ResolveOptions {
  /**
   * The process is about to run the hub: a missing master key is listed with the other problems,
   * not reported alone after they are fixed. (Tests and tools resolve configs without one.)
   */
  requireMasterKey?: boolean
}

export function resolveConfig (input: unknown, env: ConfigEnv, source = '<object>', options: ResolveOptions = {}): Readonly<HubConfig> {
  const missing: Array<{ path: string, reason: string }> = []
  const raw = substituteEnv(structuredClone(input), env, '', missing) as Record<string, unknown>
  if (raw === null || typeof raw !== 'object') throw new ConfigError(source, [{ path: '', reason: '配置必须是一个对象' }])
  applyEnvOverrides(raw, env)
  if (options.requireMasterKey === true && (raw.crypto as Record<string, unknown> | undefined)?.masterKey === undefined) {
    missing.push({ path: '/crypto/masterKey', reason: MISSING_MASTER_KEY })
  }
  if (!validate(raw) || missing.length > 0) {
    // Report everything at once; a path whose variable is missing needs no second complaint.
    const schemaIssues = configSchemaIssues(validate.errors).filter(i => !missing.some(m => m.path === i.path))
    throw new ConfigError(source, [...missing, ...schemaIssues])
  }
  const config = raw as unknown as HubConfig
  const issues = semanticIssues(config, isKnownTimeZone)
  if (issues.length > 0) throw new ConfigError(source, issues)
  return deepFreeze(config)
}

function applyEnvOverrides (raw: Record<string, unknown>, env: ConfigEnv): void {
  const section = (name: string): Record<string, unknown> => {
    const s = raw[name]
    if (s !== null && typeof s === 'object') return s as Record<string, unknown>
    const fresh = {}
    raw[name] = fresh
    return fresh
  }
  if (env.PORT !== undefined && env.PORT !== '') {
    section('http').port = /^\d+$/.test(env.PORT) ? Number(env.PORT) : env.PORT
  }
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') section('redis').url = env.REDIS_URL
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL !== '') section('database').url = env.DATABASE_URL
  if (env.HUB_MASTER_KEY !== undefined && env.HUB_MASTER_KEY !== '') section('crypto').masterKey = env.HUB_MASTER_KEY
}

/** Replaces every string that is exactly `${NAME}` with that environment variable (secrets stay out of files). */
function substituteEnv (value: unknown, env: ConfigEnv, path: string, missing: Array<{ path: string, reason: string }>): unknown {
  if (typeof value === 'string') {
    const m = /^\$\{([A-Z_][A-Z0-9_]*)\}$/.exec(value)
    if (m === null) return value
    const v = env[m[1]!]
    if (v === undefined) missing.push({ path, reason: `环境变量 ${m[1]!} 未设置` })
    // Set but empty is a deployment mistake too (an empty password or token would be sent as such).
    else if (v === '') missing.push({ path, reason: `环境变量 ${m[1]!} 为空` })
    return v ?? value
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${path}/${i}`, missing))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, `${path}/${k}`, missing)]))
  }
  return value
}

function deepFreeze<T> (o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}
