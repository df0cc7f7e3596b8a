import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../../src/config/load.js'

function issuesOf (targets: Array<Record<string, unknown>>): Array<{ path: string, reason: string }> {
  try {
    resolveConfig({ county: { code: '430621', name: '岳阳县' }, targets }, {})
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues]
    throw err
  }
  return []
}

const rest = { url: 'http://127.0.0.1:1/x', auth: { type: 'none' }, signingSecret: '0123456789abcdef' }
const gongan = (code: string, route?: Record<string, unknown>): Record<string, unknown> => ({
  code, department: 'gongan', name: code, transport: 'rest', events: ['notice.created'], mapping: 'gongan-rest-v1', rest,
  ...(route !== undefined ? { route } : {})
})

describe('configuration rules beyond the schema', () => {
  it('refuses a retry window that cannot hold one timed-out attempt and the first wait, but takes 0 (never retry)', () => {
    const withRetry = (windowMs: number): Record<string, unknown> =>
      ({ ...gongan('gongan'), rest: { ...rest, timeoutMs: 10_000 }, retry: { baseDelayMs: 2_000, maxDelayMs: 60_000, windowMs } })
    expect(issuesOf([withRetry(5_000)])).toEqual([{ path: '/targets/0/retry/windowMs', reason: expect.stringContaining('容不下一次超时') }])
    expect(issuesOf([withRetry(0)])).toEqual([])
    expect(issuesOf([withRetry(12_000)])).toEqual([])
  })

  it('accepts 公安 routed per 派出所 with one default target', () => {
    expect(issuesOf([gongan('gongan-a', { policeStations: ['430621001'] }), gongan('gongan-county', { default: true })])).toEqual([])
  })

  it('refuses a routed 公安 target that does not take new notices: records routed to it would reach nobody', () => {
    const deaf = { ...gongan('gongan-county', { default: true }), events: ['notice.voided'] }
    expect(issuesOf([gongan('gongan-a', { policeStations: ['430621001'] }), deaf])).toEqual([
      { path: '/targets/1/events', reason: expect.stringContaining('必须接收 notice.created') }
    ])
  })

  it('refuses 派出所 routing without a default target, since a record with an unknown station would reach nobody', () => {
    expect(issuesOf([gongan('gongan-a', { policeStations: ['430621001'] })])).toEqual([
      { path: '/targets/0/route/default', reason: expect.stringContaining('必须有且只有一个 default 目标') }
    ])
  })

  it('refuses a police station claimed by two targets', () => {
    expect(issuesOf([
      gongan('gongan-a', { policeStations: ['430621001'] }),
      gongan('gongan-b', { policeStations: ['430621001'], default: true })
    ])).toEqual([{ path: '/targets/1/route/policeStations', reason: expect.stringContaining('430621001') }])
  })

  it('refuses an SFTP batch target without a valid batch schedule', () => {
    const sftp = {
      code: 'gongjijin', department: 'gongjijin', name: '公积金', transport: 'sftp', events: ['notice.created'], mapping: 'gongjijin-csv-v1',
      sftp: { host: '127.0.0.1', username: 'u', privateKeyPath: '/k', remoteDir: '/in', mode: 'batch', batchCron: 'every day' }
    }
    expect(issuesOf([sftp])).toContainEqual({ path: '/targets/0/sftp/batchCron', reason: expect.stringContaining('every day') })
  })

  it('refuses an SFTP target that would trust any host key, unless told so explicitly', () => {
    const sftp = (patch: Record<string, unknown>): Record<string, unknown> => ({
      code: 'canlian', department: 'canlian', name: '残联', transport: 'sftp', events: ['notice.created'], mapping: 'canlian-csv-v1',
      sftp: { host: '127.0.0.1', username: 'u', privateKeyPath: '/k', remoteDir: '/in', mode: 'per-notice', ...patch }
    })
    expect(issuesOf([sftp({})])).toEqual([{ path: '/targets/0/sftp/hostKeySha256', reason: expect.stringContaining('主机密钥指纹') }])
    expect(issuesOf([sftp({ hostKeySha256: 'SHA256:' + 'A'.repeat(43) })])).toEqual([])
    expect(issuesOf([sftp({ insecureAcceptAnyHostKey: true })])).toEqual([])
  })

  it('refuses two feeds opened by the same token: a department would read another\'s', () => {
    const feed = (code: string, department: string): Record<string, unknown> => ({
      code, department, name: code, transport: 'feed', events: ['notice.created'], mapping: 'tuiyi-feed-v1', feed: { token: 'shared-token-0123456789' }
    })
    expect(issuesOf([feed('tuiyi', 'tuiyi'), feed('canlian', 'canlian')])).toEqual([
      { path: '/targets/1/feed/token', reason: expect.stringContaining('tuiyi') }
    ])
  })

  it('refuses REST headers the client manages and credentials in the URL', () => {
    const target = { ...gongan('gongan'), rest: { ...rest, url: 'http://u:p@127.0.0.1:1/x', headers: { 'Keep-Alive': 'timeout=5', 'X-Dept': 'ok', 'X-Hub-Event': 'x' } } }
    expect(issuesOf([target])).toEqual([
      { path: '/targets/0/rest/headers/Keep-Alive', reason: expect.stringContaining('由中枢自行设置') },
      { path: '/targets/0/rest/headers/X-Hub-Event', reason: expect.stringContaining('由中枢自行设置') },
      { path: '/targets/0/rest/url', reason: expect.stringContaining('rest.auth') }
    ])
  })

  it('refuses a file mapping on a REST target and a transport without its block', () => {
    expect(issuesOf([{ ...gongan('gongan'), mapping: 'canlian-csv-v1' }])).toContainEqual({ path: '/targets/0/mapping', reason: expect.stringContaining('只能用于 SFTP') })
    expect(issuesOf([{ ...gongan('gongan'), transport: 'feed' }])).toContainEqual({ path: '/targets/0/feed', reason: expect.stringContaining('缺少 feed 配置') })
  })
})
