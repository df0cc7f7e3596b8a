import http from 'node:http'
import https from 'node:https'
import axios from 'axios'
import soap from 'soap'
import type { TargetConfig } from '../config/schema.js'
import { safeAckId } from './ack-id.js'
import { boundedExchange } from './bounded-exchange.js'
import type { Deliverer, OutboundMessage, Receipt } from './deliverer.js'
import { DeliveryError } from './delivery-error.js'
import { classifySoapFailure } from './soap-failure.js'
import { loadSoapContract, type SoapContract } from './soap-wsdl.js'

/** `resultCode` of an accepted message, by the contract of the hub's SOAP WSDLs (config/wsdl/). */
const ACCEPTED_RESULT_CODE = '0000'
/** Answers are only read for a result code and an ack id; a bigger one is refused, not buffered. */
const MAX_RESPONSE_BYTES = 1_048_576

/**
 * Delivers messages to a WSDL-described SOAP 1.1 service (DESIGN §7), document/literal:
 * the mapped message is the operation's body, a `HubHeader` element in the WSDL's target
 * namespace carries the notice id, version, event and idempotency key, and a WS-Security
 * UsernameToken authenticates the hub. The WSDL is read once, on the first delivery; the
 * configured endpoint wins over the WSDL's address. Every outcome becomes a Receipt or a
 * DeliveryError whose message never contains the answer (it may carry personal data).
 */
export function createSoapDeliverer (target: TargetConfig): Deliverer {
  const config = target.soap
  if (config === undefined) throw new Error(`target ${target.code} 缺少 soap 配置`)
  const { timeoutMs, operation } = config

  const agentOptions = { keepAlive: true, maxSockets: target.concurrency * 2 }
  const httpAgent = new http.Agent(agentOptions)
  const httpsAgent = new https.Agent(agentOptions)
  const request = axios.create({ httpAgent, httpsAgent, maxRedirects: 0, maxContentLength: MAX_RESPONSE_BYTES })
  // Same axios package; node-soap's CommonJS typings name its type through the other resolution mode.
  const httpClient = new soap.HttpClient({ request: request as unknown as NonNullable<soap.IOptions['request']> })
  // One token generator: each request still gets its own nonce and timestamp.
  const security = new soap.WSSecurity(config.security.username, config.security.password, {
    passwordType: config.security.passwordType,
    hasTimeStamp: true,
    hasTokenCreated: true
  })

  let contract: Promise<SoapContract> | undefined
  const loadedContract = (): Promise<SoapContract> => {
    // A failed load is forgotten, so the next attempt reads the (perhaps fixed) file again.
    contract ??= loadSoapContract(config.wsdl, operation).catch((err: unknown) => {
      contract = undefined
      throw err
    })
    return contract
  }

  return {
    transport: 'soap',

    async deliver (message: OutboundMessage, signal: AbortSignal): Promise<Receipt> {
      if (signal.aborted) throw new DeliveryError('请求被中止', true, 'aborted', undefined, { sentNothing: true })
      const { wsdl, inputFields } = await loadedContract()
      let args: Record<string, unknown>
      try {
        args = bodyInSchemaOrder(message.body, inputFields)
      } catch (err) {
        // The WSDL file may be what ops fix: the next attempt reads it again.
        contract = undefined
        throw err
      }
      // A client per message: its SOAP header carries this message's idempotency key, and
      // deliveries run concurrently. Building one from the parsed WSDL is cheap.
      const client = new soap.Client(wsdl, config.endpoint, { httpClient })
      client.setSecurity(security)
      client.addSoapHeader(hubHeaderXml(message, String(client.wsdl.definitions.$targetNamespace)))

      const exchange = boundedExchange(signal, timeoutMs)
      let result: unknown
      try {
        const call = client[`${operation}Async`] as (args: unknown, options: object) => Promise<[unknown, ...unknown[]]>
        ;[result] = await call(args, {
          signal: exchange.signal,
          timeout: timeoutMs,
          // node-soap accepts any status by default; a fault then surfaces as `err.root`.
          validateStatus: (status: number) => status >= 200 && status < 300
        })
      } catch (err) {
        throw classifySoapFailure(err, { aborted: signal.aborted, timedOut: exchange.timedOut(), timeoutMs })
      } finally {
        exchange.dispose()
      }
      return receiptOf(result)
    },

    async close (): Promise<void> {
      httpAgent.destroy()
      httpsAgent.destroy()
      contract = undefined
    }
  }
}

/**
 * The mapped message with its fields in the order of the WSDL's `xs:sequence`: node-soap writes
 * them in object order, and a validating receiver refuses elements out of order. A field the
 * WSDL does not know means the target's mapping and WSDL disagree: nothing is sent, and the
 * delivery waits (retryable, errorClass `config`) for ops to fix the configuration rather than
 * going dead for a fault that is neither the department's nor the record's (as soap-wsdl.ts
 * treats a WSDL it cannot use).
 */
function bodyInSchemaOrder (body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DeliveryError('映射结果不是 SOAP 消息所需的对象', false, 'mapping', undefined, { sentNothing: true })
  }
  const unknown = Object.keys(body).filter(key => !fields.includes(key))
  if (unknown.length > 0) {
    throw new DeliveryError(`映射字段 ${unknown.join('、')} 不在 WSDL 定义的消息中，请运维核对目标的映射与 WSDL 配置`, true, 'config', undefined, { sentNothing: true })
  }
  const source = body as Record<string, unknown>
  const ordered: Record<string, unknown> = {}
  for (const key of fields) {
    if (source[key] !== undefined) ordered[key] = source[key]
  }
  return ordered
}

/** The hub's routing header; unqualified children follow the WSDL's `elementFormDefault="qualified"`
 * through the default namespace. */
function hubHeaderXml (message: OutboundMessage, namespace: string): string {
  const field = (name: string, value: string): string => `<${name}>${xmlEscape(value)}</${name}>`
  return `<HubHeader xmlns="${xmlEscape(namespace)}">` +
    field('noticeId', message.noticeId) +
    field('version', String(message.version)) +
    field('event', message.event) +
    field('idempotencyKey', message.idempotencyKey) +
    field('deliveryId', message.deliveryId) +
    '</HubHeader>'
}

function receiptOf (result: unknown): Receipt {
  const fields = result !== null && typeof result === 'object' ? result as Record<string, unknown> : {}
  const resultCode = textOf(fields.resultCode)
  if (resultCode === undefined && !Object.values(fields).some(v => v !== null && v !== undefined)) {
    // An empty 2xx body or an empty <Body/> (node-soap returns {} or { Body: null }): no answer
    // at all, as from a gateway or a service restarting, not the department refusing the notice.
    throw new DeliveryError('部门接口返回 2xx，但应答为空，不是可解析的 SOAP 应答', true, 'soap-response', 200)
  }
  if (resultCode !== ACCEPTED_RESULT_CODE) {
    // The department's own code says why; it is short and safe to keep, unlike its `message`.
    throw new DeliveryError(`部门应答 resultCode=${safeAckId(resultCode) ?? '（缺失或无效）'}，表示未受理`, false, 'soap-business', 200)
  }
  const ackId = safeAckId(textOf(fields.ackId))
  return ackId === undefined
    ? { status: 200, summary: `SOAP resultCode=${ACCEPTED_RESULT_CODE}` }
    : { status: 200, ackId, summary: `SOAP resultCode=${ACCEPTED_RESULT_CODE} ackId=${ackId}` }
}

/** An element's text as node-soap parses it: a string or number, or `{ $value }` when it has attributes. */
function textOf (value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (value !== null && typeof value === 'object' && '$value' in value) return textOf((value as { $value: unknown }).$value)
  return undefined
}

function xmlEscape (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
