/**
 * Runs one simulated REST department, for the demo and for manual tests:
 *
 *   tsx sim/main.ts --name gongan --port 9101 [--secret S] [--require-signature]
 *                   [--behaviour ok | status:503 | fail-first:2[:500] | delay-first:1:15000]
 *
 * One log line per received message with the hub's routing headers only: the notice id,
 * event, version and idempotency key. Bodies hold personal data and are never printed.
 */
import { parseArgs } from 'node:util'
import { alwaysOk, alwaysStatus, delayFirst, failFirst, startRestDepartment, type Behaviour, type ReceivedMessage } from './rest-department.js'

function parseBehaviour (spec: string): Behaviour {
  const [kind, a, b] = spec.split(':')
  const num = (v: string | undefined, what: string): number => {
    const n = Number(v)
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`--behaviour ${spec}: ${what} must be a whole number`)
    return n
  }
  switch (kind) {
    case 'ok': return alwaysOk()
    case 'status': return alwaysStatus(num(a, 'status'))
    case 'fail-first': return failFirst(num(a, 'count'), b === undefined ? 500 : num(b, 'status'))
    case 'delay-first': return delayFirst(num(a, 'count'), num(b, 'delay (ms)'))
    default: throw new Error(`--behaviour ${spec}: expected ok, status:N, fail-first:N[:STATUS] or delay-first:N:MS`)
  }
}

function logLine (name: string, m: ReceivedMessage): string {
  const h = m.headers
  const fields = [
    new Date().toISOString(),
    `[${name}]`,
    `#${m.seq}`,
    `${m.status ?? '-'}`,
    `notice=${h['x-hub-notice-id'] ?? '-'}`,
    `version=${h['x-hub-version'] ?? '-'}`,
    `event=${h['x-hub-event'] ?? '-'}`,
    `key=${m.idempotencyKey ?? '-'}`,
    `attempt=${m.n}`
  ]
  if (m.signatureValid !== undefined) fields.push(`signature=${m.signatureValid ? 'ok' : 'BAD'}`)
  if (m.duplicate) fields.push('duplicate')
  if (m.clientGone === true) fields.push('client-gone')
  return fields.join(' ')
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      path: { type: 'string', default: '/notices' },
      secret: { type: 'string' },
      'require-signature': { type: 'boolean', default: false },
      behaviour: { type: 'string', default: 'ok' }
    },
    strict: true
  })
  if (values.name === undefined || values.name === '') throw new Error('--name is required, e.g. --name gongan')
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port number`)
  const name = values.name

  const sim = await startRestDepartment({
    name,
    port,
    host: values.host,
    path: values.path,
    signingSecret: values.secret ?? process.env.SIM_SIGNING_SECRET,
    requireSignature: values['require-signature'],
    behaviour: parseBehaviour(values.behaviour),
    // A long-running demo sink must not grow without bound.
    record: false,
    onMessage: m => console.log(logLine(name, m))
  })
  console.log(`[${name}] department simulator listening on ${sim.url}`)

  const stop = (signal: string): void => {
    console.log(`[${name}] ${signal}: ${sim.count} received, ${sim.uniqueAcceptedCount} unique accepted, ${sim.duplicateCount} duplicates`)
    sim.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
