import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfigFile, resolveConfig } from '../../../src/config/load.js'

/** Every ${NAME} that config/hub.yaml refers to. */
const SAMPLE_ENV = {
  GONGAN_RONGJIAWAN_URL: 'http://127.0.0.1:9101/rongjiawan/notices', GONGAN_URL: 'http://127.0.0.1:9101/huzheng/notices',
  GONGAN_TOKEN: 't', GONGAN_SIGNING_SECRET: 'gongan-secret-0123456789',
  RENSHE_SOAP_URL: 'http://127.0.0.1:9104/houshi/services/DeathNoticeService', RENSHE_SOAP_USERNAME: 'houshi', RENSHE_SOAP_PASSWORD: 'p',
  YIBAO_URL: 'http://127.0.0.1:9102/notices', YIBAO_PASSWORD: 'p', YIBAO_SIGNING_SECRET: 'yibao-secret-0123456789',
  GONGJIJIN_SFTP_HOST: 'sftp.gjj.example', GONGJIJIN_SFTP_KEY_FILE: '/etc/houshi/ssh/gongjijin_ed25519',
  GONGJIJIN_SFTP_HOST_KEY: `SHA256:${'G'.repeat(43)}`,
  MINZHENG_URL: 'http://127.0.0.1:9103/notices', MINZHENG_TOKEN: 't', MINZHENG_SIGNING_SECRET: 'minzheng-secret-0123456789',
  CANLIAN_SFTP_HOST: 'sftp.cl.example', CANLIAN_SFTP_KEY_FILE: '/etc/houshi/ssh/canlian_ed25519',
  CANLIAN_SFTP_HOST_KEY: `SHA256:${'C'.repeat(43)}`,
  TUIYI_FEED_TOKEN: 'tuiyi-feed-token-0123456789'
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
  it('loads the sample county config with all seven departments enabled, each over its own transport', () => {
    const config = loadConfigFile('config/hub.yaml', SAMPLE_ENV)
    expect(config.targets.every(t => t.enabled)).toBe(true)
    expect(config.targets.map(t => [t.code, t.department, t.transport])).toEqual([
      ['gongan-rongjiawan', 'gongan', 'rest'],
      ['gongan', 'gongan', 'rest'],
      ['renshe', 'renshe', 'soap'],
      ['yibao', 'yibao', 'rest'],
      ['gongjijin', 'gongjijin', 'sftp'],
      ['minzheng', 'minzheng', 'rest'],
      ['canlian', 'canlian', 'sftp'],
      ['tuiyi', 'tuiyi', 'feed']
    ])
    for (const t of config.targets) expect(t.events).toEqual(['notice.created', 'notice.updated', 'notice.voided'])
    expect(config.targets[0]!.rest!.url).toBe(SAMPLE_ENV.GONGAN_RONGJIAWAN_URL)
    expect(Object.isFrozen(config.targets[0])).toBe(true)
  })

  it('routes 公安 per 派出所, with the county 户政 desk as the one default target', () => {
    const gongan = loadConfigFile('config/hub.yaml', SAMPLE_ENV).targets.filter(t => t.department === 'gongan')
    expect(gongan.map(t => t.route)).toEqual([{ policeStations: ['430621001'], default: false }, { default: true }])
  })

  it('takes every secret and address of the other transports from the environment', () => {
    const byCode = new Map(loadConfigFile('config/hub.yaml', SAMPLE_ENV).targets.map(t => [t.code, t]))
    expect(byCode.get('renshe')!.soap).toMatchObject({
      wsdl: 'config/wsdl/renshe-death-notice.wsdl', endpoint: SAMPLE_ENV.RENSHE_SOAP_URL, operation: 'ReceiveDeathNotice',
      security: { username: 'houshi', password: 'p', passwordType: 'PasswordDigest' }
    })
    expect(byCode.get('gongjijin')!.sftp).toMatchObject({
      host: SAMPLE_ENV.GONGJIJIN_SFTP_HOST, privateKeyPath: SAMPLE_ENV.GONGJIJIN_SFTP_KEY_FILE, hostKeySha256: SAMPLE_ENV.GONGJIJIN_SFTP_HOST_KEY,
      mode: 'batch', batchCron: '0 0 18 * * *', format: 'csv', encoding: 'gbk', doneFile: true
    })
    expect(byCode.get('canlian')!.sftp).toMatchObject({
      host: SAMPLE_ENV.CANLIAN_SFTP_HOST, hostKeySha256: SAMPLE_ENV.CANLIAN_SFTP_HOST_KEY, mode: 'per-notice', format: 'fixed-width', encoding: 'gbk'
    })
    expect(byCode.get('tuiyi')!.feed).toEqual({ token: SAMPLE_ENV.TUIYI_FEED_TOKEN, maxPage: 500 })
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

  it('explains wrong values in Chinese, and a choice among fixed values once, with what is allowed', () => {
    const issues = issuesOf(() => resolveConfig(minimal({ log: { level: 'verbose' }, http: { port: 'eighty' }, crypto: { foo: 1 } }), {}))
    expect(issues).toEqual([
      { path: '/http/port', reason: '应当是 integer 类型' },
      { path: '/crypto/foo', reason: '不允许有额外的属性' },
      { path: '/log/level', reason: '应为以下值之一：fatal、error、warn、info、debug、trace、silent' }
    ])
  })

  it('names what is missing inside a block that may take several forms (an auth block without its token)', () => {
    const base = minimal()
    const target = (base.targets as Array<Record<string, unknown>>)[0]!
    const issues = issuesOf(() => resolveConfig({ ...base, targets: [{ ...target, rest: { ...(target.rest as object), auth: { type: 'bearer' } } }] }, {}))
    expect(issues).toEqual(expect.arrayContaining([
      { path: '/targets/0/rest/auth/token', reason: '应当有必需属性 token' },
      { path: '/targets/0/rest/auth/type', reason: '应当等于 none' }
    ]))
  })

  it('refuses a reconciler schedule node-cron cannot run, before anything starts', () => {
    expect(issuesOf(() => resolveConfig(minimal({ reconciler: { cron: 'every 30s' } }), {})))
      .toEqual([{ path: '/reconciler/cron', reason: '不是有效的 cron 表达式：every 30s' }])
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
    expect(issues).toEqual([{ path: '/targets/3/rest/auth/password', reason: '环境变量 YIBAO_PASSWORD 未设置' }])
    // Set but empty: the department would get an empty password, and answer 401 to everything.
    const empty = issuesOf(() => loadConfigFile('config/hub.yaml', { ...SAMPLE_ENV, YIBAO_PASSWORD: '' }))
    expect(empty).toEqual([{ path: '/targets/3/rest/auth/password', reason: '环境变量 YIBAO_PASSWORD 为空' }])
  })

  it('lists a missing master key with the other problems when the hub is about to run', () => {
    const issues = issuesOf(() => loadConfigFile('config/hub.yaml', { ...SAMPLE_ENV, YIBAO_PASSWORD: undefined }, { requireMasterKey: true }))
    expect(issues.map(i => i.path)).toEqual(['/targets/3/rest/auth/password', '/crypto/masterKey'])
    expect(() => loadConfigFile('config/hub.yaml', { ...SAMPLE_ENV, HUB_MASTER_KEY: 'k'.repeat(64) }, { requireMasterKey: true })).not.toThrow()
  })

  it('reports a file that cannot be read or parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-config-'))
    writeFileSync(join(dir, 'bad.yaml'), 'county: [unclosed')
    expect(issuesOf(() => loadConfigFile(join(dir, 'bad.yaml'), {}))[0]!.reason).toMatch(/YAML/)
    expect(issuesOf(() => loadConfigFile(join(dir, 'missing.yaml'), {}))[0]!.reason).toMatch(/无法读取/)
  })
})
