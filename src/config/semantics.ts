import { mappingByName } from '../mappings/index.js'
import type { HubConfig } from './schema.js'

/** Transports whose adapters exist in this build; the others arrive with later issues. */
const BUILT_TRANSPORTS = new Set(['rest'])

/** Rules a JSON Schema cannot say: unique codes, known mappings, the transport block present. */
export function semanticIssues (config: HubConfig, knownZone: (zone: string) => boolean): Array<{ path: string, reason: string }> {
  const issues: Array<{ path: string, reason: string }> = []
  if (!knownZone(config.county.timeZone)) {
    issues.push({ path: '/county/timeZone', reason: `未知的时区 ${config.county.timeZone}` })
  }
  const seen = new Set<string>()
  config.targets.forEach((t, i) => {
    const at = `/targets/${i}`
    if (seen.has(t.code)) issues.push({ path: `${at}/code`, reason: `目标代码 ${t.code} 重复` })
    seen.add(t.code)
    if (!t.enabled) return
    if (mappingByName(t.mapping) === undefined) issues.push({ path: `${at}/mapping`, reason: `未知的映射 ${t.mapping}` })
    if (!BUILT_TRANSPORTS.has(t.transport)) {
      issues.push({ path: `${at}/transport`, reason: `传输方式 ${t.transport} 尚未实现，请先设置 enabled: false` })
    }
    if (t.transport === 'rest' && t.rest === undefined) issues.push({ path: `${at}/rest`, reason: 'REST 目标缺少 rest 配置' })
    if (t.retry !== undefined && t.retry.baseDelayMs > t.retry.maxDelayMs) {
      issues.push({ path: `${at}/retry/baseDelayMs`, reason: '不能大于 maxDelayMs' })
    }
  })
  return issues
}
