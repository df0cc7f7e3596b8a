import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfigFile, resolveConfig } from '../../../src/config/load.js'

const SAMPLE_ENV = {
  GONGAN_URL: 'http://127.0.0.1:9101/notices', GONGAN_TOKEN: 't', GONGAN_SIGNING_SECRET: 'gongan-secret-0123456789',
  YIBAO_URL: 'http://127.0.0.1:9102/notices', YIBAO_PASSWORD: 'p', YIBAO_SIGNING_SECRET: 'yibao-secret-0123456789',
  MINZHENG_URL: 'http://127.0.0.1:9103/notices', MINZHENG_TOKEN: 't', MINZHENG_SIGNING_SECRET: 'minzheng-secret-0123456789'
}

function issuesOf (fn: () => unknown): Array<{ path: string, reason: string }> {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues]
    throw err
  }
  throw new Error('expected a ConfigError')
}

const minimal = (patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  county: { code: '430621', name: '岳阳县' },
  targets: [{
    code: 'gongan', department: 'gongan', name: '公安', transport: 'rest', events: ['notice.created'], mapping: 'gongan-rest-v1',
    rest: { url: 'http://127.0.0.1:1/x', auth: { type: 'none' }, signingSecret: '0123456789abcdef' }
  }],
  ...patch
})

describe('loading the configuration', () => {
  it('loads the sample county config with the seven departments, three of them enabled over REST', () => {
    const config = loadConfigFile('config/hub.yaml', SAMPLE_ENV)
    expect(config.targets.map(t => t.department)).toEqual(['gongan', 'yibao', 'minzheng', 'renshe', 'gongjijin', 'canlian', 'tuiyi'])
    expect(config.targets.filter(t => t.enabled).map(t => t.code)).toEqual(['gongan', 'yibao', 'minzheng'])
    expect(config.targets[0]!.rest!.url).toBe(SAMPLE_ENV.GONGAN_URL)
    expect(Object.isFrozen(config.targets[0])).toBe(true)
  })

  it('fills defaults and lets the environment override port, Redis, database and master key', () => {
    const config = resolveConfig(minimal(), {
      PORT: '9999', REDIS_URL: 'redis://10.0.0.1:6380', DATABASE_URL: 'postgres://hub@db/houshi', HUB_MASTER_KEY: 'f'.repeat(64)
    })
    expect(config.http.port).toBe(9999)
    expect(config.redis).toEqual({ url: 'redis://10.0.0.1:6380', prefix: 'houshi' })
    expect(config.database.url).toBe('postgres://hub@db/houshi')
    expect(config.crypto.masterKey).toBe('f'.repeat(64))
    expect(config.county.timeZone).toBe('Asia/Shanghai')
    expect(config.targets[0]!.concurrency).toBe(16)
  })

  it('names the path and the reason of every wrong value', () => {
    const issues = issuesOf(() => resolveConfig(minimal({ http: { port: 'eighty' }, county: { code: '43', name: 'x', timeZone: 'Mars/Olympus' } }), {}))
    expect(issues.map(i => i.path)).toEqual(expect.arrayContaining(['/http/port', '/county/code']))
    expect(issuesOf(() => resolveConfig(minimal({ county: { code: '430621', name: 'x', timeZone: 'Mars/Olympus' } }), {})))
      .toEqual([{ path: '/county/timeZone', reason: expect.stringContaining('Mars/Olympus') }])
  })

  it('refuses a PORT that is not a number, naming the path', () => {
    expect(issuesOf(() => resolveConfig(minimal(), { PORT: 'abc' })).map(i => i.path)).toContain('/http/port')
  })

  it('refuses unknown keys, unknown mappings, duplicate codes and a transport without its block', () => {
    const base = minimal()
    const target = (base.targets as Array<Record<string, unknown>>)[0]!
    const issues = issuesOf(() => resolveConfig({
      ...base,
      targets: [target, { ...target }, { ...target, code: 'renshe', transport: 'soap', mapping: 'nope' }]
    }, {}))
    expect(issues).toEqual(expect.arrayContaining([
      { path: '/targets/1/code', reason: expect.stringContaining('重复') },
      { path: '/targets/2/mapping', reason: expect.stringContaining('nope') },
      { path: '/targets/2/soap', reason: expect.stringContaining('缺少 soap 配置') }
    ]))
    expect(issuesOf(() => resolveConfig(minimal({ colour: 'blue' }), {})).map(i => i.path)).toContain('/colour')
  })

  it('says which environment variable a ${NAME} reference is missing', () => {
    const issues = issuesOf(() => loadConfigFile('config/hub.yaml', { ...SAMPLE_ENV, YIBAO_PASSWORD: undefined }))
    expect(issues).toEqual([{ path: '/targets/1/rest/auth/password', reason: '环境变量 YIBAO_PASSWORD 未设置' }])
  })

  it('reports a file that cannot be read or parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-config-'))
    writeFileSync(join(dir, 'bad.yaml'), 'county: [unclosed')
    expect(issuesOf(() => loadConfigFile(join(dir, 'bad.yaml'), {}))[0]!.reason).toMatch(/YAML/)
    expect(issuesOf(() => loadConfigFile(join(dir, 'missing.yaml'), {}))[0]!.reason).toMatch(/无法读取/)
  })
})
