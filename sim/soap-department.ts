import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import soap from 'soap'
import {
  clientGone, closeSim, countKey, createDelayedAnswers, firstOfEachKey, listenSim, pollUntil, type KeyState
} from './http-sim.js'
import { soapOk, type SoapBehaviour, type SoapHubHeader, type SoapReceivedMessage, type SoapSimResponse } from './soap-behaviours.js'

export * from './soap-behaviours.js'

/**
 * A department system that receives death notices over SOAP (人社's legacy WebService), for
 * integration tests and the demo. Served by `soap.listen` from the same WSDL file the hub
 * reads, so hub and "department" share one contract. Mirrors `startRestDepartment`.
 */
export interface SoapDepartmentOptions {
  /** Department code, used in ack ids (`<name>-<seq>`) and messages. */
  name: string
  /** @defaultValue 0 (a free port) */
  port?: number
  /** @defaultValue '127.0.0.1' */
  host?: string
  /** @defaultValue '/houshi/services/DeathNoticeService' */
  path?: string
  /** @defaultValue 'config/wsdl/renshe-death-notice.wsdl' */
  wsdlPath?: string
  /** When set, every request must carry a WS-Security UsernameToken for this user and `password`. */
  username?: string
  password?: string
  /** @defaultValue soapOk() */
  behaviour?: SoapBehaviour
}

export interface SoapDepartmentSim {
  readonly name: string
  /** e.g. `http://127.0.0.1:41234/houshi/services/DeathNoticeService` */
  readonly url: string
  readonly port: number
  /** Every request that reached the operation, in arrival order. */
  readonly received: SoapReceivedMessage[]
  /** Requests whose idempotency key had been accepted before. */
  readonly duplicateCount: number
  /** The first accepted message of each idempotency key. */
  uniqueAccepted (): SoapReceivedMessage[]
  setBehaviour (behaviour: SoapBehaviour): void
  /** Forgets messages, counters and idempotency keys; keeps the behaviour. */
  reset (): void
  /** Polls `predicate` every 20 ms; rejects after `timeoutMs` describing what was received. */
  waitFor (predicate: (sim: SoapDepartmentSim) => boolean, timeoutMs?: number): Promise<void>
  close (): Promise<void>
}

const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'
type Fault = { Fault: Record<string, unknown> }

export async function startSoapDepartment (opts: SoapDepartmentOptions): Promise<SoapDepartmentSim> {
  const { name } = opts
  const path = opts.path ?? '/houshi/services/DeathNoticeService'
  const xml = await readFile(opts.wsdlPath ?? 'config/wsdl/renshe-death-notice.wsdl', 'utf8')
  let behaviour = opts.behaviour ?? soapOk()
  const received: SoapReceivedMessage[] = []
  let keys = new Map<string, KeyState>()
  const delayed = createDelayedAnswers()
  let seq = 0
  let duplicateCount = 0
  let closed = false

  async function receive (args: unknown, headers: unknown, res: ServerResponse): Promise<unknown> {
    const hub = field(headers, 'HubHeader')
    const token = field(field(headers, 'Security'), 'UsernameToken')
    const header: SoapHubHeader = {
      noticeId: text(field(hub, 'noticeId')),
      version: text(field(hub, 'version')) === undefined ? undefined : Number(text(field(hub, 'version'))),
      event: text(field(hub, 'event')),
      idempotencyKey: text(field(hub, 'idempotencyKey')),
      deliveryId: text(field(hub, 'deliveryId'))
    }
    const key = header.idempotencyKey
    const state = countKey(keys, key)
    const msg: SoapReceivedMessage = {
      seq: ++seq,
      at: new Date(),
      header,
      body: { ...(args as Record<string, unknown>) },
      idempotencyKey: key,
      username: text(field(token, 'Username')),
      passwordType: text(field(field(field(token, 'Password'), 'attributes'), 'Type'))?.replace(/^.*#/, ''),
      authenticated: opts.username === undefined ? undefined : tokenMatches(token, opts.username, opts.password ?? ''),
      duplicate: state?.ackId !== undefined,
      n: state?.n ?? 1
    }
    received.push(msg)

    if (msg.authenticated === false) {
      return answer(msg, res, undefined, securityFault())
    }
    if (msg.duplicate) {
      duplicateCount++
      // A receiver that drops duplicates still says "accepted", with the first ack id.
      msg.ackId = state!.ackId
      return answer(msg, res, undefined, accepted(msg.ackId!, '重复消息，已受理过'))
    }
    const r = behaviour(msg, msg.n)
    const delayMs = r.delayMs ?? 0
    if (delayMs <= 0) return answer(msg, res, state, respond(msg, r))
    return await new Promise((resolve, reject) => {
      delayed.schedule(res, delayMs, () => {
        try { resolve(answer(msg, res, state, respond(msg, r))) } catch (fault) { reject(fault) }
      })
    })
  }

  function respond (msg: SoapReceivedMessage, r: SoapSimResponse): unknown {
    switch (r.type) {
      case 'ok': return accepted(`${name}-${msg.seq}`, '已受理')
      case 'refuse': return { resultCode: r.resultCode, message: `模拟拒收 ${r.resultCode}` }
      case 'business-fault': return businessFault(r.code)
      case 'server-fault': return serverFault()
    }
  }

  /** Records the outcome; returns the answer, or throws it when it is a fault (node-soap's way). */
  function answer (msg: SoapReceivedMessage, res: ServerResponse, state: { ackId?: string } | undefined, result: unknown): unknown {
    msg.respondedAt = new Date()
    msg.clientGone = clientGone(res)
    if (isFault(result)) {
      msg.outcome = result.Fault.faultcode === 'soap:Server' ? 'server-fault' : msg.authenticated === false ? 'auth-fault' : 'business-fault'
      throw result
    }
    const { resultCode, ackId } = result as { resultCode: string, ackId?: string }
    msg.outcome = resultCode === '0000' ? 'accepted' : 'refused'
    if (resultCode === '0000' && state !== undefined && state.ackId === undefined) state.ackId = ackId
    msg.ackId = ackId
    return result
  }

  const server = createServer()
  const { port, origin } = await listenSim(server, opts)
  const services = {
    DeathNoticeService: {
      DeathNoticePort: {
        ReceiveDeathNotice: (args: unknown, _cb: unknown, headers: unknown, req: IncomingMessage, res: ServerResponse) => {
          // A client that gives up resets the socket; never let that reach process level.
          req.on('error', () => {})
          res.on('error', () => {})
          return receive(args, headers, res)
        }
      }
    }
  }
  await new Promise<void>((resolve, reject) => {
    // The WSDL parser takes every client option, customDeserializer included, though the
    // server's option type does not list it.
    const options: soap.IServerOptions & Pick<soap.IOptions, 'customDeserializer'> = {
      path,
      services,
      xml,
      suppressStack: true,
      // Dates stay the `YYYY-MM-DD` text that was sent, not a Date at UTC midnight.
      customDeserializer: { date: (value: string) => value },
      callback: (err: unknown) => { if (err !== undefined && err !== null) reject(err as Error); else resolve() }
    }
    soap.listen(server, options)
  })
  const url = `${origin}${path}`

  const describe = (): string => received.length === 0
    ? 'nothing received'
    : `received ${received.length} message(s):\n` + received.slice(-30).map(m =>
      `  #${m.seq} outcome=${m.outcome ?? 'pending'} n=${m.n} key=${m.idempotencyKey ?? '-'} event=${m.header.event ?? '-'}` +
      ` auth=${String(m.authenticated)}${m.duplicate ? ' duplicate' : ''}${m.clientGone === true ? ' client-gone' : ''}`).join('\n')

  const sim: SoapDepartmentSim = {
    name,
    url,
    port,
    received,
    get duplicateCount () { return duplicateCount },
    uniqueAccepted: () => firstOfEachKey(received.filter(m => m.outcome === 'accepted' && !m.duplicate)),
    setBehaviour (b) { behaviour = b },
    reset () {
      received.length = 0
      keys = new Map()
      seq = duplicateCount = 0
    },
    waitFor: async (predicate, timeoutMs = 10_000) =>
      await pollUntil(() => predicate(sim), timeoutMs, `SOAP department sim "${name}" (${url})`, describe),
    async close () {
      if (closed) return
      closed = true
      await closeSim(server, delayed)
    }
  }
  return sim
}

function accepted (ackId: string, message: string): unknown {
  return { resultCode: '0000', ackId, message }
}

/** SOAP 1.1 faults travel with HTTP 500 (SOAP 1.1 §6.2). */
function businessFault (code: string): Fault {
  return { Fault: { faultcode: 'soap:Client', faultstring: `业务拒收 ${code}`, detail: { businessCode: code }, statusCode: 500 } }
}

function serverFault (): Fault {
  return { Fault: { faultcode: 'soap:Server', faultstring: '服务暂时不可用', statusCode: 500 } }
}

/** As WSS4J answers a bad UsernameToken. @see WS-Security 1.1 §12 */
function securityFault (): Fault {
  return {
    Fault: {
      faultcode: { attributes: { 'xmlns:wsse': WSSE_NS }, $value: 'wsse:FailedAuthentication' },
      faultstring: 'The security token could not be authenticated or authorized',
      statusCode: 500
    }
  }
}

function isFault (value: unknown): value is Fault {
  return value !== null && typeof value === 'object' && 'Fault' in value
}

function tokenMatches (token: unknown, username: string, password: string): boolean {
  if (text(field(token, 'Username')) !== username) return false
  const sent = text(field(token, 'Password'))
  const type = text(field(field(field(token, 'Password'), 'attributes'), 'Type')) ?? ''
  if (type.endsWith('#PasswordDigest')) {
    const nonce = text(field(token, 'Nonce'))
    const created = text(field(token, 'Created'))
    return sent === soap.passwordDigest(nonce ?? '', created ?? '', password)
  }
  return sent === password
}

function field (value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
}

/** An element's text: node-soap gives a string, or `{ $value }` when the element has attributes. */
function text (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  const inner = field(value, '$value')
  return typeof inner === 'string' ? inner : undefined
}
