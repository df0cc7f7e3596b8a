import cron from 'node-cron'
import { isFileMapping } from '../mappings/mapping.js'
import { mappingByName } from '../mappings/index.js'
import { attemptTimeoutMs } from './attempt-timeout.js'
import type { HubConfig, TargetConfig } from './schema.js'

type Issue = { path: string, reason: string }

/** Rules a JSON Schema cannot say: unique codes, known mappings, the transport block present. */
export function semanticIssues (config: HubConfig, knownZone: (zone: string) => boolean): Issue[] {
  const issues: Issue[] = []
  if (!knownZone(config.county.timeZone)) {
    issues.push({ path: '/county/timeZone', reason: `未知的时区 ${config.county.timeZone}` })
  }
  // Checked here, not when the schedule starts: by then the workers are already taking jobs.
  if (!cron.validate(config.reconciler.cron)) {
    issues.push({ path: '/reconciler/cron', reason: `不是有效的 cron 表达式：${config.reconciler.cron}` })
  }
  const seen = new Set<string>()
  config.targets.forEach((t, i) => {
    const at = `/targets/${i}`
    if (seen.has(t.code)) issues.push({ path: `${at}/code`, reason: `目标代码 ${t.code} 重复` })
    seen.add(t.code)
    if (!t.enabled) return
    issues.push(...transportIssues(t, at))
    if (t.retry !== undefined && t.retry.baseDelayMs > t.retry.maxDelayMs) {
      issues.push({ path: `${at}/retry/baseDelayMs`, reason: '不能大于 maxDelayMs' })
    }
    // A window that cannot hold one timed-out attempt plus the first wait retries nothing: every
    // passing network fault would be dead at once. 0 says so on purpose (never retry).
    const timeoutMs = attemptTimeoutMs(t)
    if (t.retry !== undefined && t.retry.windowMs > 0 && t.retry.windowMs < timeoutMs + t.retry.baseDelayMs) {
      issues.push({ path: `${at}/retry/windowMs`, reason: `重试期 ${t.retry.windowMs} ms 容不下一次超时（${timeoutMs} ms）加第一次等待（${t.retry.baseDelayMs} ms），任何网络故障都会立即失败；不重试请写 0` })
    }
  })
  issues.push(...routeIssues(config.targets), ...feedIssues(config.targets))
  return issues
}

/** The block for the chosen transport is there, and the mapping produces what it carries. */
function transportIssues (t: TargetConfig, at: string): Issue[] {
  const issues: Issue[] = []
  const mapping = mappingByName(t.mapping)
  if (mapping === undefined) issues.push({ path: `${at}/mapping`, reason: `未知的映射 ${t.mapping}` })
  if (t[t.transport] === undefined) {
    issues.push({ path: `${at}/${t.transport}`, reason: `传输方式为 ${t.transport}，但缺少 ${t.transport} 配置` })
    return issues
  }
  if (t.transport === 'rest' && t.rest !== undefined) issues.push(...restIssues(t.rest, at))
  if (t.transport === 'sftp') {
    if (mapping !== undefined && !isFileMapping(mapping)) {
      issues.push({ path: `${at}/mapping`, reason: `映射 ${t.mapping} 不是文件格式，不能用于 SFTP` })
    }
    if (t.sftp?.hostKeySha256 === undefined && t.sftp?.insecureAcceptAnyHostKey !== true) {
      issues.push({ path: `${at}/sftp/hostKeySha256`, reason: '请设置服务器主机密钥指纹（ssh-keygen -lf 输出的 SHA256:…），否则个人信息可能发往冒充的服务器' })
    }
    const batchCron = t.sftp?.batchCron
    if (t.sftp?.mode === 'batch' && batchCron === undefined) {
      issues.push({ path: `${at}/sftp/batchCron`, reason: '批量文件模式需要 batchCron（node-cron 表达式）' })
    }
    if (batchCron !== undefined && !cron.validate(batchCron)) {
      issues.push({ path: `${at}/sftp/batchCron`, reason: `不是有效的 cron 表达式：${batchCron}` })
    }
  } else if (mapping !== undefined && isFileMapping(mapping)) {
    issues.push({ path: `${at}/mapping`, reason: `映射 ${t.mapping} 生成文件行，只能用于 SFTP` })
  }
  return issues
}

/**
 * Headers the HTTP client manages itself: set by config they would break every request (and
 * every delivery would retry until its window closes).
 */
const MANAGED_HEADERS = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'expect', 'upgrade', 'host', 'te', 'trailer',
  'proxy-authorization', 'proxy-connection', 'content-type', 'idempotency-key'
])

function restIssues (rest: NonNullable<TargetConfig['rest']>, at: string): Issue[] {
  const issues: Issue[] = []
  for (const name of Object.keys(rest.headers ?? {})) {
    const lower = name.toLowerCase()
    if (MANAGED_HEADERS.has(lower) || lower.startsWith('x-hub-')) {
      issues.push({ path: `${at}/rest/headers/${name}`, reason: `请求头 ${name} 由中枢自行设置，不能在配置中指定` })
    }
  }
  const url = new URL(rest.url)
  if (url.username !== '' || url.password !== '') {
    issues.push({ path: `${at}/rest/url`, reason: '地址中不能含用户名或密码：请改用 rest.auth（basic）' })
  }
  return issues
}

/**
 * A department routed per 派出所 needs exactly one default target, or a record without a known
 * station would reach nobody; and a station belongs to one target only.
 */
function routeIssues (targets: readonly TargetConfig[]): Issue[] {
  const issues: Issue[] = []
  const departments = new Set(targets.filter(t => t.enabled && t.route !== undefined).map(t => t.department))
  for (const department of departments) {
    const routed = targets.map((t, i) => ({ t, i })).filter(({ t }) => t.enabled && t.route !== undefined && t.department === department)
    const defaults = routed.filter(({ t }) => t.route?.default === true)
    if (defaults.length !== 1) {
      issues.push({
        path: `/targets/${routed[0]!.i}/route/default`,
        reason: `部门 ${department} 按派出所路由，必须有且只有一个 default 目标（现有 ${defaults.length} 个）`
      })
    }
    // Every routed target, the default above all, must take new notices: a record routed to one
    // that does not would reach no target of the department, and nothing would say so.
    for (const { t, i } of routed) {
      if (!t.events.includes('notice.created')) {
        issues.push({ path: `/targets/${i}/events`, reason: `按派出所路由的目标必须接收 notice.created，否则分到它的死亡通知无人接收` })
      }
    }
    const owner = new Map<string, string>()
    for (const { t, i } of routed) {
      for (const station of t.route?.policeStations ?? []) {
        const other = owner.get(station)
        if (other !== undefined) issues.push({ path: `/targets/${i}/route/policeStations`, reason: `派出所 ${station} 已由目标 ${other} 负责` })
        owner.set(station, t.code)
      }
    }
  }
  return issues
}

/**
 * `GET /v1/feeds/:department` names a department, so each department has at most one feed; and
 * a token opens one feed only, or a department could read another's.
 */
function feedIssues (targets: readonly TargetConfig[]): Issue[] {
  const issues: Issue[] = []
  const seen = new Set<string>()
  const tokens = new Map<string, string>()
  targets.forEach((t, i) => {
    if (!t.enabled || t.transport !== 'feed') return
    if (seen.has(t.department)) issues.push({ path: `/targets/${i}/department`, reason: `部门 ${t.department} 已有一个拉取目标` })
    seen.add(t.department)
    const token = t.feed?.token
    if (token === undefined) return
    const owner = tokens.get(token)
    if (owner !== undefined) issues.push({ path: `/targets/${i}/feed/token`, reason: `与目标 ${owner} 的令牌相同：每个部门须有自己的令牌` })
    tokens.set(token, t.code)
  })
  return issues
}
