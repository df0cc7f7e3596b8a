import { Type, type Static } from '@sinclair/typebox'

/**
 * The hub's configuration, as one JSON Schema: ajv validates `config/*.yaml` against it at boot
 * and TypeScript derives `HubConfig` from it, so the two never drift apart.
 */

const DepartmentCode = Type.Union([
  Type.Literal('gongan'), Type.Literal('renshe'), Type.Literal('yibao'), Type.Literal('gongjijin'),
  Type.Literal('minzheng'), Type.Literal('canlian'), Type.Literal('tuiyi'), Type.Literal('window')
], { description: '部门代码 (DESIGN §2)' })

const EventType = Type.Union([
  Type.Literal('notice.created'), Type.Literal('notice.updated'), Type.Literal('notice.voided')
])

const RestAuth = Type.Union([
  Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('bearer'), token: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('basic'),
    username: Type.String({ minLength: 1 }),
    password: Type.String()
  }, { additionalProperties: false })
])

const RestTransport = Type.Object({
  url: Type.String({ format: 'uri', pattern: '^https?://' }),
  /** @defaultValue 10000 */
  timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
  auth: RestAuth,
  /** Secret for the `X-Hub-Signature` HMAC-SHA256 of each body. */
  signingSecret: Type.String({ minLength: 16 }),
  /** Extra request headers the department asks for (never secrets of the hub). */
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  /**
   * For departments that answer HTTP 200 with a business error in the body
   * (`{"code":"E1001","success":false}`): the 2xx counts as accepted only when the JSON field at
   * `field` (dot path) holds one of `values`; otherwise the delivery is refused (dead, for ops).
   */
  accept: Type.Optional(Type.Object({
    field: Type.String({ minLength: 1 }),
    values: Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { minItems: 1 })
  }, { additionalProperties: false }))
}, { additionalProperties: false })

const SoapTransport = Type.Object({
  /** Path of the WSDL (relative to the working directory); kept in the repo under `config/wsdl/`. */
  wsdl: Type.String({ minLength: 1 }),
  /** Overrides the service address in the WSDL (the department's real host). */
  endpoint: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })),
  /** The WSDL operation that takes a death notice. */
  operation: Type.String({ minLength: 1 }),
  /** @defaultValue 10000 */
  timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
  /** WS-Security UsernameToken. */
  security: Type.Object({
    username: Type.String({ minLength: 1 }),
    password: Type.String(),
    /** @defaultValue 'PasswordText' */
    passwordType: Type.Union([Type.Literal('PasswordText'), Type.Literal('PasswordDigest')], { default: 'PasswordText' })
  }, { additionalProperties: false })
}, { additionalProperties: false })

const SftpTransport = Type.Object({
  host: Type.String({ minLength: 1 }),
  /** @defaultValue 22 */
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 22 }),
  username: Type.String({ minLength: 1 }),
  /** Path of the private key file (key authentication). */
  privateKeyPath: Type.String({ minLength: 1 }),
  passphrase: Type.Optional(Type.String()),
  /**
   * SHA-256 fingerprint of the server's host key, as `ssh-keygen -lf` prints it (`SHA256:…`).
   * When set, any other host key is refused.
   */
  hostKeySha256: Type.Optional(Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$' })),
  /**
   * Accept whatever host key the server shows (no `hostKeySha256`): names and ID numbers would go
   * to whoever answers at that address. For a first connection on a trusted network only; the
   * hub refuses an SFTP target with neither.
   */
  insecureAcceptAnyHostKey: Type.Optional(Type.Boolean()),
  /** Remote folder the files land in. */
  remoteDir: Type.String({ minLength: 1 }),
  /** One file per notice, or one file per node-cron tick with every notice due. */
  mode: Type.Union([Type.Literal('per-notice'), Type.Literal('batch')]),
  /** node-cron expression for `batch` mode (seconds field allowed), e.g. '0 0 18 * * *'. */
  batchCron: Type.Optional(Type.String({ minLength: 1 })),
  /** @defaultValue 'csv' */
  format: Type.Union([Type.Literal('csv'), Type.Literal('fixed-width')], { default: 'csv' }),
  /** @defaultValue 'utf-8' */
  encoding: Type.Union([Type.Literal('utf-8'), Type.Literal('gbk')], { default: 'utf-8' }),
  /** First line names the columns (CSV only). @defaultValue true */
  header: Type.Boolean({ default: true }),
  /** Also write `<file>.ok` once the file is in place, for receivers that poll for it. @defaultValue false */
  doneFile: Type.Boolean({ default: false }),
  /** File name prefix, e.g. the department's code for the hub. @defaultValue 'houshi' */
  filePrefix: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', default: 'houshi' }),
  /** @defaultValue 30000 */
  timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 })
}, { additionalProperties: false })

const FeedTransport = Type.Object({
  /** Bearer token the department presents to pull its own feed (until client signing, DESIGN §9). */
  token: Type.String({ minLength: 16 }),
  /** Largest page a pull may ask for. @defaultValue 500 */
  maxPage: Type.Integer({ minimum: 1, maximum: 5000, default: 500 })
}, { additionalProperties: false })

/**
 * Which records a target takes among its department's targets (DESIGN §6 "Routing"). Without
 * a route, a target takes every record of its events.
 */
const TargetRoute = Type.Object({
  /** 派出所 codes whose household registers this target holds (公安 per police station). */
  policeStations: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9A-Za-z]{1,20}$' }), { minItems: 1, uniqueItems: true })),
  /**
   * Takes what no other target of the same department claims: no police station in the
   * record, or one no target lists. @defaultValue false
   */
  default: Type.Boolean({ default: false })
}, { additionalProperties: false })

const RetryPolicy = Type.Object({
  /** First retry delay. @defaultValue 2000 */
  baseDelayMs: Type.Integer({ minimum: 10, default: 2_000 }),
  /** Cap of one backoff step. @defaultValue 600000 (10 min) */
  maxDelayMs: Type.Integer({ minimum: 10, default: 600_000 }),
  /** How long after the first attempt retries may go on before the delivery goes dead. @defaultValue 259200000 (3 days) */
  windowMs: Type.Integer({ minimum: 0, default: 259_200_000 })
}, { additionalProperties: false })

export const TargetSchema = Type.Object({
  /** Unique target code; names the queue `delivery.<code>`. */
  code: Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' }),
  department: DepartmentCode,
  name: Type.String({ minLength: 1 }),
  /** @defaultValue true */
  enabled: Type.Boolean({ default: true }),
  transport: Type.Union([Type.Literal('rest'), Type.Literal('soap'), Type.Literal('sftp'), Type.Literal('feed')]),
  events: Type.Array(EventType, { minItems: 1, uniqueItems: true }),
  /** Name of the mapping in `src/mappings` that shapes this department's message. */
  mapping: Type.String({ minLength: 1 }),
  rest: Type.Optional(RestTransport),
  soap: Type.Optional(SoapTransport),
  sftp: Type.Optional(SftpTransport),
  feed: Type.Optional(FeedTransport),
  route: Type.Optional(TargetRoute),
  /**
   * Cooling-off: deliveries wait this long before they go out, so a wrong report can be voided
   * before a benefit stops (DESIGN §6). Fractions are allowed (0.5 = 30 s). @defaultValue 0
   */
  holdMinutes: Type.Number({ minimum: 0, maximum: 43_200, default: 0 }),
  /** Send only once a death certificate corroborates the cremation record. @defaultValue false */
  requireCorroboration: Type.Boolean({ default: false }),
  retry: Type.Optional(RetryPolicy),
  /** Deliveries in flight at once for this target, per worker process. @defaultValue 16 */
  concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 16 }),
  rateLimit: Type.Optional(Type.Object({
    max: Type.Integer({ minimum: 1 }),
    durationMs: Type.Integer({ minimum: 1 })
  }, { additionalProperties: false }))
}, { additionalProperties: false })

export const HubConfigSchema = Type.Object({
  county: Type.Object({
    /** GB/T 2260 code of the county. */
    code: Type.String({ pattern: '^[0-9]{6}$' }),
    name: Type.String({ minLength: 1 }),
    /** Every business date is computed in this zone. @defaultValue 'Asia/Shanghai' */
    timeZone: Type.String({ default: 'Asia/Shanghai' })
  }, { additionalProperties: false }),
  http: Type.Object({
    /** @defaultValue '0.0.0.0' */
    host: Type.String({ default: '0.0.0.0' }),
    /** @defaultValue 8080 */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** @defaultValue 1048576 */
    bodyLimit: Type.Integer({ minimum: 1024, default: 1_048_576 }),
    /**
     * API processes sharing the port (node:cluster), to use every core. More than one needs
     * PostgreSQL: the embedded database lives in one process. @defaultValue 1
     */
    processes: Type.Integer({ minimum: 1, maximum: 64, default: 1 })
  }, { additionalProperties: false, default: {} }),
  redis: Type.Object({
    /** @defaultValue 'redis://127.0.0.1:6379' */
    url: Type.String({ default: 'redis://127.0.0.1:6379' }),
    /** BullMQ key prefix, so several hubs (or test runs) share one Redis. @defaultValue 'houshi' */
    prefix: Type.String({ default: 'houshi', pattern: '^[A-Za-z0-9_{}.-]+$' })
  }, { additionalProperties: false, default: {} }),
  database: Type.Object({
    /** PostgreSQL URL; when absent the embedded PGlite under `dataDir` is used. */
    url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** @defaultValue './data/pglite' */
    dataDir: Type.String({ default: './data/pglite' }),
    /** @defaultValue 10 */
    poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
    /**
     * Run hot statements as named prepared statements (PostgreSQL only). Turn off behind a
     * transaction-pooling proxy (PgBouncer) or a compatible database that lacks them.
     * @defaultValue true
     */
    preparedStatements: Type.Boolean({ default: true }),
    /**
     * PostgreSQL: a statement that gets no answer for this long fails, and its connection is
     * dropped. A server that vanished without closing its connections (a failover) would
     * otherwise hold the deliveries waiting on them, and shutdown, forever. Migrations are
     * exempt. @defaultValue 120000
     */
    queryTimeoutMs: Type.Integer({ minimum: 1_000, maximum: 86_400_000, default: 120_000 }),
    /**
     * PostgreSQL: how long opening a connection, or waiting for a free one of the pool (all
     * `poolSize` busy), may take before the statement fails. @defaultValue 30000
     */
    connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 })
  }, { additionalProperties: false, default: {} }),
  crypto: Type.Object({
    /** Key id stored beside each ciphertext, for rotation. @defaultValue 'k1' */
    keyId: Type.String({ default: 'k1', pattern: '^[A-Za-z0-9_-]{1,16}$' }),
    /** 32-byte master key, hex or base64. Set it through HUB_MASTER_KEY, never in a file. */
    // Its length and form are checked when it is parsed, with a message that says what it must be.
    masterKey: Type.Optional(Type.String())
  }, { additionalProperties: false, default: {} }),
  reconciler: Type.Object({
    /** node-cron expression (seconds field allowed). @defaultValue '*\/30 * * * * *' */
    cron: Type.String({ default: '*/30 * * * * *' }),
    /** @defaultValue 1000 */
    batchSize: Type.Integer({ minimum: 1, default: 1000 })
  }, { additionalProperties: false, default: {} }),
  log: Type.Object({
    /** @defaultValue 'info' */
    level: Type.Union([
      Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
      Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')
    ], { default: 'info' })
  }, { additionalProperties: false, default: {} }),
  targets: Type.Array(TargetSchema, { minItems: 1 })
}, { additionalProperties: false })

export type HubConfig = Static<typeof HubConfigSchema>
export type TargetConfig = Static<typeof TargetSchema>
export type DepartmentCode = Static<typeof DepartmentCode>
export type EventType = Static<typeof EventType>
export type SoapTransportConfig = Static<typeof SoapTransport>
export type SftpTransportConfig = Static<typeof SftpTransport>
export type FeedTransportConfig = Static<typeof FeedTransport>
export type RetryPolicyConfig = Static<typeof RetryPolicy>
