import { randomBytes } from 'node:crypto'
import { stringify } from 'yaml'

/**
 * A hub.yaml for one fault scenario, generated from an object: the county of config/hub.yaml,
 * a Redis key prefix and a database of the scenario's own, and REST targets at the scenario's
 * counting departments. Targets of other transports (SOAP, SFTP…) go in `extraTargets` as raw
 * config, exactly as they would appear in hub.yaml.
 */
export interface ScenarioConfigOptions {
  /** Target code → URL of the counting department (see ./departments.ts). */
  departments: Record<string, string>
  /** BullMQ key prefix. @defaultValue a fresh `houshi-faults-<hex>` */
  prefix?: string
  /** The embedded database's directory; ignored when the hub gets DATABASE_URL. */
  dataDir?: string
  /**
   * Retry policy of every REST target. The window is realistic (hours) so that a dead letter
   * after a fault of a few seconds is a real finding. @defaultValue base 200 ms, cap 2 s, 6 h
   */
  retry?: { baseDelayMs: number, maxDelayMs: number, windowMs: number }
  /** @defaultValue 5000 */
  timeoutMs?: number
  /** @defaultValue 8 */
  concurrency?: number
  /** The reconciler, which re-enqueues what Redis lost. @defaultValue every 5 s */
  reconcilerCron?: string
  /** @defaultValue 'warn' (a line per request at `info` would swamp the output) */
  logLevel?: string
  /** @defaultValue 10 */
  poolSize?: number
  /** Database settings merged in (queryTimeoutMs, connectTimeoutMs…). */
  database?: Record<string, unknown>
  extraTargets?: Array<Record<string, unknown>>
}

/** The secret every counting department checks `X-Hub-Signature` with. */
export const FAULTS_SIGNING_SECRET = 'faults-signing-secret-0123456789'
/** HUB_MASTER_KEY of every scenario hub (32 bytes, hex). */
export const FAULTS_MASTER_KEY = 'f'.repeat(64)

const MAPPINGS: Record<string, string> = { gongan: 'gongan-rest-v1', yibao: 'yibao-rest-v1', minzheng: 'minzheng-rest-v1' }

export function newPrefix (): string {
  return `houshi-faults-${randomBytes(4).toString('hex')}`
}

/** The hub.yaml text; `prefix` is the one passed or a fresh one (read it back from the result). */
export function hubConfig (o: ScenarioConfigOptions): { text: string, prefix: string } {
  const prefix = o.prefix ?? newPrefix()
  const config = {
    county: { code: '430621', name: '岳阳县', timeZone: 'Asia/Shanghai' },
    http: { host: '127.0.0.1', port: 8080 },
    redis: { url: 'redis://127.0.0.1:6379', prefix },
    database: { dataDir: o.dataDir ?? './data/pglite', poolSize: o.poolSize ?? 10, ...o.database },
    crypto: { keyId: 'k1' },
    reconciler: { cron: o.reconcilerCron ?? '*/5 * * * * *', batchSize: 1000 },
    log: { level: o.logLevel ?? 'warn' },
    targets: [
      ...Object.entries(o.departments).map(([code, url]) => {
        const department = code.split('-')[0]!
        const mapping = MAPPINGS[department]
        if (mapping === undefined) throw new Error(`no REST mapping for department ${department} (target ${code})`)
        return {
          code,
          department,
          name: code,
          transport: 'rest',
          events: ['notice.created', 'notice.updated', 'notice.voided'],
          mapping,
          rest: {
            url,
            timeoutMs: o.timeoutMs ?? 5_000,
            auth: { type: 'bearer', token: `token-${code}` },
            signingSecret: FAULTS_SIGNING_SECRET
          },
          retry: o.retry ?? { baseDelayMs: 200, maxDelayMs: 2_000, windowMs: 6 * 3_600_000 },
          concurrency: o.concurrency ?? 8
        }
      }),
      ...(o.extraTargets ?? [])
    ]
  }
  return { text: stringify(config), prefix }
}
