/**
 * `npm run sim`: the department simulators standalone, for running a real hub against them.
 *
 *   tsx sim/main.ts [--host 127.0.0.1] [--sftp-root data/sim/sftp]
 *     every department of config/hub.yaml, as `npm run demo` starts them (REST ×4, SOAP,
 *     two SFTP servers; the feed needs none); prints their addresses and the environment
 *     that points the sample config at them.
 *
 *   tsx sim/main.ts --name gongan --port 9101 [--secret S] [--require-signature]
 *                   [--behaviour ok | status:503 | fail-first:2[:500] | delay-first:1:15000]
 *     one REST department.
 *
 * One log line per received message with the hub's routing headers only (notice id, event,
 * version, idempotency key), one per file that lands. Bodies hold personal data: never printed.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfigFile } from '../src/config/load.js'
import { CONFIG_FILE, ROOT, shown } from '../scripts/demo-setup.js'
import { simLines } from '../scripts/demo-sims-print.js'
import { startDemoSims, type DemoSims } from '../scripts/demo-sims.js'
import { alwaysOk, alwaysStatus, delayFirst, failFirst, startRestDepartment, type Behaviour, type ReceivedMessage } from './rest-department.js'
import type { SoapReceivedMessage } from './soap-behaviours.js'

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

function restLogLine (name: string, m: ReceivedMessage): string {
  const h = m.headers
  const fields = [
    new Date().toISOString(), `[${name}]`, `#${m.seq}`, `${m.status ?? '-'}`,
    `notice=${h['x-hub-notice-id'] ?? '-'}`, `version=${h['x-hub-version'] ?? '-'}`, `event=${h['x-hub-event'] ?? '-'}`,
    `key=${m.idempotencyKey ?? '-'}`, `attempt=${m.n}`
  ]
  if (m.signatureValid !== undefined) fields.push(`signature=${m.signatureValid ? 'ok' : 'BAD'}`)
  if (m.duplicate) fields.push('duplicate')
  if (m.clientGone === true) fields.push('client-gone')
  return fields.join(' ')
}

function soapLogLine (m: SoapReceivedMessage): string {
  const h = m.header
  return [
    new Date().toISOString(), '[renshe]', `#${m.seq}`, m.outcome ?? '-', `notice=${h.noticeId ?? '-'}`, `version=${h.version ?? '-'}`,
    `event=${h.event ?? '-'}`, `key=${m.idempotencyKey ?? '-'}`, `attempt=${m.n}`, `auth=${m.authenticated === true ? 'ok' : 'BAD'}`,
    ...(m.duplicate ? ['duplicate'] : [])
  ].join(' ')
}

type Options = Record<string, string | boolean | undefined>

async function runOne (values: Options): Promise<() => Promise<void>> {
  const name = String(values.name)
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${String(values.port)}: not a port number`)
  const sim = await startRestDepartment({
    name,
    port,
    host: String(values.host),
    path: String(values.path),
    signingSecret: typeof values.secret === 'string' ? values.secret : process.env.SIM_SIGNING_SECRET,
    requireSignature: values['require-signature'] === true,
    behaviour: parseBehaviour(String(values.behaviour)),
    // A long-running sink must not grow without bound.
    record: false,
    onMessage: m => console.log(restLogLine(name, m))
  })
  console.log(`[${name}] department simulator listening on ${sim.url}`)
  return async () => {
    console.log(`[${name}] ${sim.count} received, ${sim.uniqueAcceptedCount} unique accepted, ${sim.duplicateCount} duplicates`)
    await sim.close()
  }
}

/** Prints what arrived since the last call: SOAP requests (then forgotten) and new SFTP files. */
function watcher (sims: DemoSims): () => void {
  const seen = new Set<string>()
  return () => {
    // Logged lines are dropped so a long run does not grow; the sim's idempotency keys stay.
    for (const m of sims.soap.received.splice(0)) console.log(soapLogLine(m))
    for (const [code, sim] of Object.entries(sims.sftp)) {
      for (const file of sim.files()) {
        if (seen.has(`${code}/${file}`)) continue
        seen.add(`${code}/${file}`)
        console.log(`${new Date().toISOString()} [${code}] file ${file} (${sim.read(file).length} bytes)`)
      }
    }
  }
}

async function runAll (values: Options): Promise<() => Promise<void>> {
  const sftpRoot = typeof values['sftp-root'] === 'string' ? values['sftp-root'] : join(ROOT, 'data', 'sim', 'sftp')
  const sims = await startDemoSims({ sftpRoot, host: String(values.host), record: false, onRestMessage: (code, m) => console.log(restLogLine(code, m)) })
  // The environment must make the sample config valid, exactly as the hub will load it.
  const config = loadConfigFile(CONFIG_FILE, sims.env)
  console.log(`department simulators for ${shown(CONFIG_FILE)} (${config.county.name}):`)
  for (const text of simLines(sims, config)) console.log(`  ${text}`)
  console.log('\nto run the hub against them (fresh secrets for these simulators only):')
  for (const [name, value] of Object.entries(sims.env).sort()) console.log(`  export ${name}='${value}'`)
  console.log(`and in a copy of ${shown(CONFIG_FILE)} set the SFTP ports (numbers, not taken from the environment): ` +
    Object.entries(sims.sftpPorts).map(([code, port]) => `${code} sftp.port: ${port}`).join(', '))
  const timer = setInterval(watcher(sims), 500)
  return async () => {
    clearInterval(timer)
    await sims.close()
  }
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
      behaviour: { type: 'string', default: 'ok' },
      'sftp-root': { type: 'string' }
    },
    strict: true
  })
  if (values.name === '') throw new Error('--name needs a department code, e.g. --name gongan')
  const stop = values.name === undefined ? await runAll(values) : await runOne(values)
  const onSignal = (signal: string): void => {
    console.log(`${signal}: stopping the simulators`)
    stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', () => onSignal('SIGINT'))
  process.once('SIGTERM', () => onSignal('SIGTERM'))
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
