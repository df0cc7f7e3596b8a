import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nock from 'nock'
import soap from 'soap'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Deliverer, OutboundMessage } from '../../../src/adapters/deliverer.js'
import { DeliveryError } from '../../../src/adapters/delivery-error.js'
import { createSoapDeliverer } from '../../../src/adapters/soap.js'
import type { TargetConfig } from '../../../src/config/schema.js'
import { captureRequest, failureOf } from '../../helpers/deliveries.js'

const WSDL = 'config/wsdl/renshe-death-notice.wsdl'
const NS = 'http://renshe.example.gov.cn/houshi/death-notice/v1'
const BASE = 'http://renshe.example.test'
const PATH = '/ws/DeathNoticeService'

type SoapConfig = NonNullable<TargetConfig['soap']>

function target (soapConfig: Partial<SoapConfig> = {}): TargetConfig {
  return Object.freeze({
    code: 'renshe',
    department: 'renshe',
    name: '县人社局',
    enabled: true,
    transport: 'soap',
    events: ['notice.created', 'notice.voided'],
    mapping: 'renshe-soap-v1',
    holdMinutes: 0,
    requireCorroboration: false,
    concurrency: 4,
    soap: {
      wsdl: WSDL,
      endpoint: `${BASE}${PATH}`,
      operation: 'ReceiveDeathNotice',
      timeoutMs: 2_000,
      security: { username: 'houshi-hub', password: 's3cret&<pw>', passwordType: 'PasswordText' },
      ...soapConfig
    }
  }) as TargetConfig
}

const NAME = '张三'
const ID_NUMBER = '11010519491231002X'

/** What the mapping renshe-soap-v1 produces, keys deliberately out of WSDL order. */
const message: OutboundMessage = Object.freeze({
  deliveryId: 'dlv-0001',
  noticeId: 'ntc-0001',
  version: 2,
  event: 'notice.created',
  idempotencyKey: 'ntc-0001:renshe:2',
  createdAt: new Date('2026-03-12T02:00:00Z'),
  body: Object.freeze({
    stopFrom: '2026-03-10',
    deathDate: '2026-03-10',
    noticeId: 'ntc-0001',
    version: 2,
    event: 'notice.created',
    certificateNo: 'HH4306262026000123',
    name: NAME,
    idType: '1',
    idNumber: ID_NUMBER,
    gender: '1',
    corroboration: 'cremation'
  })
})

let deliverer: Deliverer | undefined
const never = new AbortController().signal

function open (t: TargetConfig = target()): Deliverer {
  deliverer = createSoapDeliverer(t)
  return deliverer
}

beforeEach(() => {
  nock.disableNetConnect()
})

afterEach(async () => {
  await deliverer?.close?.()
  deliverer = undefined
  nock.cleanAll()
  nock.enableNetConnect()
})

describe('the SOAP deliverer', () => {
  it('posts a SOAP 1.1 envelope with the operation\'s SOAPAction and the body fields in WSDL order', async () => {
    const seen = captureRequest(nock(BASE).post(PATH).reply(200, okResponse('RS-1')))

    await open().deliver(message, never)

    const { headers, raw } = seen()
    expect(headers['content-type']).toBe('text/xml; charset=utf-8')
    expect(headers.soapaction).toBe(`"${NS}/ReceiveDeathNotice"`)
    const body = between(raw, 'DeathNotice')
    expect(body).toContain(`xmlns="${NS}"`)
    const order = [...body.matchAll(/<(\w+)>/g)].map(m => m[1])
    expect(order).toEqual(['noticeId', 'version', 'event', 'certificateNo', 'corroboration', 'name',
      'idType', 'idNumber', 'gender', 'deathDate', 'stopFrom'])
    expect(body).toContain(`<name>${NAME}</name>`)
  })

  it('carries the notice id, version, event and idempotency key in the HubHeader SOAP header', async () => {
    const seen = captureRequest(nock(BASE).post(PATH).reply(200, okResponse('RS-1')))

    await open().deliver(message, never)

    const header = between(between(seen().raw, 'soap:Header'), 'HubHeader')
    expect(header).toContain(`xmlns="${NS}"`)
    expect(header).toContain('<noticeId>ntc-0001</noticeId>')
    expect(header).toContain('<version>2</version>')
    expect(header).toContain('<event>notice.created</event>')
    expect(header).toContain('<idempotencyKey>ntc-0001:renshe:2</idempotencyKey>')
    expect(header).toContain('<deliveryId>dlv-0001</deliveryId>')
  })

  it('authenticates with a WS-Security UsernameToken carrying the escaped text password', async () => {
    const seen = captureRequest(nock(BASE).post(PATH).reply(200, okResponse('RS-1')))

    await open().deliver(message, never)

    const token = between(seen().raw, 'wsse:UsernameToken')
    expect(token).toContain('<wsse:Username>houshi-hub</wsse:Username>')
    expect(token).toMatch(/<wsse:Password Type="[^"]+#PasswordText">s3cret&amp;&lt;pw&gt;<\/wsse:Password>/)
  })

  it('sends a password digest that verifies, and never the password itself, when the target asks for PasswordDigest', async () => {
    const seen = captureRequest(nock(BASE).post(PATH).reply(200, okResponse('RS-1')))
    const digestTarget = target({ security: { username: 'houshi-hub', password: 'digest-pw', passwordType: 'PasswordDigest' } })

    await open(digestTarget).deliver(message, never)

    const { raw } = seen()
    const token = between(raw, 'wsse:UsernameToken')
    const digest = /#PasswordDigest">([^<]+)</.exec(token)?.[1]
    const nonce = /<wsse:Nonce[^>]*>([^<]+)</.exec(token)?.[1]
    const created = /<wsu:Created>([^<]+)</.exec(token)?.[1]
    expect(digest).toBe(soap.passwordDigest(nonce!, created!, 'digest-pw'))
    expect(raw).not.toContain('digest-pw')
  })

  it('returns a receipt with the ack id and a summary that does not echo the answer\'s message', async () => {
    nock(BASE).post(PATH).reply(200, okResponse('RS-2026-000001', `${NAME} 已受理`))
    const receipt = await open().deliver(message, never)
    expect(receipt).toEqual({ status: 200, ackId: 'RS-2026-000001', summary: 'SOAP resultCode=0000 ackId=RS-2026-000001' })
  })

  it.each([
    ['longer than 64 characters', 'A'.repeat(65)],
    ['with characters outside [A-Za-z0-9._:-]', 'RS 1/张'],
    ['holding an ID number', `RS-${ID_NUMBER}`]
  ])('drops an ack id %s but still accepts the message', async (_why, ackId) => {
    nock(BASE).post(PATH).reply(200, okResponse(ackId))
    const receipt = await open().deliver(message, never)
    expect(receipt).toEqual({ status: 200, summary: 'SOAP resultCode=0000' })
  })

  it('treats an answer whose resultCode is not 0000 as a permanent business refusal naming the code only', async () => {
    nock(BASE).post(PATH).reply(200, okResponse(undefined, `${NAME}（${ID_NUMBER}）未参保`, 'E1003'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-business', status: 200 })
    expect(err.message).toContain('resultCode=E1003')
    expectNoPersonalData(err)
  })

  it('treats a SOAP fault with a business code in its detail as permanent and names the code', async () => {
    nock(BASE).post(PATH).reply(500, fault('soap:Client', `${NAME} 已有死亡登记`, '<businessCode>E2001</businessCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-business', status: 500 })
    expect(err.message).toContain('E2001')
    expectNoPersonalData(err)
  })

  it('finds a namespace-qualified business code nested in the fault detail of a fault with no standard code, even in an HTTP 200 answer', async () => {
    const detail = `<tns:BusinessFault xmlns:tns="${NS}"><tns:businessCode>E2002</tns:businessCode></tns:BusinessFault>`
    nock(BASE).post(PATH).reply(200, fault('tns:Rejected', 'rejected', detail))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-business', status: 200 })
    expect(err.message).toContain('E2002')
  })

  it('treats a soap:Client fault without a business code as a permanent refusal of the request', async () => {
    nock(BASE).post(PATH).reply(500, fault('soap:Client', `${NAME} invalid`))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-client', status: 500 })
    expect(err.message).toContain('soap:Client')
    expectNoPersonalData(err)
  })

  it('does not take a generic errorCode in a soap:Client fault for the contract\'s business code', async () => {
    nock(BASE).post(PATH).reply(500, fault('soap:Client', 'bad', '<errorCode>V-17</errorCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-client' })
    expect(err.message).not.toContain('V-17')
  })

  it('treats a server fault without a business code as retryable', async () => {
    nock(BASE).post(PATH).reply(500, fault('soap:Server', `处理 ${ID_NUMBER} 时数据库连接超时`))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-server', status: 500 })
    expectNoPersonalData(err)
  })

  it('retries a server fault whose detail carries a generic error code, such as SYS-503', async () => {
    nock(BASE).post(PATH).reply(500, fault('soap:Server', '服务繁忙', '<errorCode>SYS-503</errorCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-server', status: 500 })
  })

  it('retries a server fault even when its detail carries the contract\'s business code, and names the code', async () => {
    nock(BASE).post(PATH).reply(500, fault('soap:Server', '稍后再试', '<businessCode>E9001</businessCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-server', status: 500 })
    expect(err.message).toContain('E9001')
  })

  it('retries a SOAP 1.2 Receiver fault', async () => {
    nock(BASE).post(PATH).reply(500, fault12('env:Receiver', undefined, '<businessCode>E2001</businessCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-server', status: 500 })
  })

  it('treats a SOAP 1.2 Sender fault with the contract\'s business code as permanent', async () => {
    nock(BASE).post(PATH).reply(500, fault12('env:Sender', undefined, '<businessCode>E2001</businessCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-business' })
    expect(err.message).toContain('E2001')
  })

  it.each([
    ['wsse:FailedAuthentication', fault('wsse:FailedAuthentication', 'The security token could not be authenticated')],
    ['wsse:InvalidSecurity', fault('wsse:InvalidSecurity', 'An error was discovered processing the &lt;wsse:Security&gt; header')],
    ['wsse:InvalidSecurityToken', fault('wsse:InvalidSecurityToken', 'An invalid security token was provided')],
    ['soap:Client.Authentication', fault('soap:Client.Authentication', `${NAME} password expired`)],
    ['wsse:FailedAuthentication', fault12('env:Sender', 'wsse:FailedAuthentication')]
  ])('treats a %s authentication fault as retryable soap-config, for ops to fix the credentials', async (code, answer) => {
    nock(BASE).post(PATH).reply(500, answer)
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-config', status: 500 })
    expect(err.message).toContain(code)
    expectNoPersonalData(err)
  })

  it('treats an authentication fault as soap-config even when it carries a business code', async () => {
    nock(BASE).post(PATH).reply(500, fault('wsse:FailedAuthentication', 'denied', '<businessCode>E0401</businessCode>'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-config' })
  })

  it.each(['soap:MustUnderstand', 'soap:VersionMismatch'])(
    'treats a %s fault, a disagreement on SOAP itself, as retryable soap-config', async (code) => {
      nock(BASE).post(PATH).reply(500, fault(code, 'header not understood'))
      const err = await failureOf(open().deliver(message, never))
      expect(err).toMatchObject({ retryable: true, errorClass: 'soap-config', status: 500 })
      expect(err.message).toContain(code)
    })

  it('retries a fault with neither a standard code nor a business code', async () => {
    nock(BASE).post(PATH).reply(500, fault('tns:Busy', 'busy'))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-server' })
  })

  it('treats an HTTP 500 HTML error page as a retryable 5xx', async () => {
    nock(BASE).post(PATH).reply(500, `<html><body><h1>500 Internal Server Error</h1>${NAME}</body></html>`, { 'content-type': 'text/html' })
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'http-5xx', status: 500, message: '部门接口返回 HTTP 500' })
  })

  it.each([[502, 'http-5xx'], [503, 'http-5xx'], [408, 'http-408'], [429, 'http-429']])(
    'treats HTTP %i without a SOAP fault as retryable (%s)', async (status, errorClass) => {
      nock(BASE).post(PATH).reply(status, 'busy')
      const err = await failureOf(open().deliver(message, never))
      expect(err).toMatchObject({ retryable: true, errorClass, status })
    })

  it.each([400, 401, 404, 415])('treats HTTP %i without a SOAP fault as permanent', async (status) => {
    nock(BASE).post(PATH).reply(status, `<html>${ID_NUMBER} bad request</html>`)
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'http-4xx', status })
    expectNoPersonalData(err)
  })

  it('treats a redirect as permanent instead of following it', async () => {
    const elsewhere = nock('http://elsewhere.example.test').post('/').reply(200, okResponse('X'))
    nock(BASE).post(PATH).reply(302, '', { Location: 'http://elsewhere.example.test/' })
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'http-3xx', status: 302 })
    expect(elsewhere.isDone()).toBe(false)
  })

  it('treats an HTTP 200 that is not a SOAP answer as retryable', async () => {
    nock(BASE).post(PATH).reply(200, '<html><body>维护中</body></html>')
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-response', status: 200 })
  })

  it.each([
    ['an empty body', ''],
    ['an envelope with an empty Body', envelope('')]
  ])('treats an HTTP 200 with %s as a retryable non-answer, not a refusal', async (_what, body) => {
    nock(BASE).post(PATH).reply(200, body)
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-response', status: 200 })
  })

  it('treats an answer slower than the timeout as a retryable timeout', async () => {
    nock(BASE).post(PATH).delay(1_000).reply(200, okResponse('late'))
    const started = Date.now()
    const err = await failureOf(open(target({ timeoutMs: 150 })).deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'timeout', message: '请求超时（150 ms）' })
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('treats a reset connection as a retryable network failure', async () => {
    nock(BASE).post(PATH).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    const err = await failureOf(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'network' })
    expect(err.cause).toBeUndefined()
  })

  it('stops a request in flight when the signal aborts and calls it a retryable abort', async () => {
    nock(BASE).post(PATH).delay(1_000).reply(200, okResponse('late'))
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 50)
    const started = Date.now()
    const err = await failureOf(open().deliver(message, controller.signal))
    expect(err).toMatchObject({ retryable: true, errorClass: 'aborted' })
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('sends nothing when the signal is already aborted', async () => {
    const scope = nock(BASE).post(PATH).reply(200, okResponse('X'))
    const controller = new AbortController()
    controller.abort()
    const err = await failureOf(open().deliver(message, controller.signal))
    expect(err).toMatchObject({ retryable: true, errorClass: 'aborted', sentNothing: true })
    expect(scope.isDone()).toBe(false)
  })

  it('holds back a mapped field the WSDL does not define as a retryable config error for ops, sending nothing', async () => {
    const scope = nock(BASE).post(PATH).reply(200, okResponse('X'))
    const err = await failureOf(open().deliver({ ...message, body: { ...message.body as object, phone: '13812345678' } }, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'config', sentNothing: true })
    expect(err.message).toContain('phone')
    expect(err.message).not.toContain('13812345678')
    expect(scope.isDone()).toBe(false)
  })

  it('sends to the address in the WSDL when the target sets no endpoint', async () => {
    const scope = nock('http://renshe.example.gov.cn').post('/houshi/services/DeathNoticeService').reply(200, okResponse('RS-9'))
    const { endpoint: _endpoint, ...withoutEndpoint } = target().soap!
    const receipt = await open({ ...target(), soap: withoutEndpoint }).deliver(message, never)
    expect(receipt.ackId).toBe('RS-9')
    expect(scope.isDone()).toBe(true)
  })
})

describe('the SOAP deliverer\'s WSDL', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'houshi-wsdl-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reports a missing WSDL file as a retryable config error naming the file, and loads it once it exists', async () => {
    const path = join(dir, 'renshe.wsdl')
    const d = open(target({ wsdl: path }))
    const err = await failureOf(d.deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'config', sentNothing: true })
    expect(err.message).toBe(`无法加载 WSDL 文件 ${path}：文件不存在`)

    await writeFile(path, await readFile(WSDL))
    nock(BASE).post(PATH).reply(200, okResponse('RS-1'))
    expect(await d.deliver(message, never)).toMatchObject({ ackId: 'RS-1' })
  })

  it('reports a WSDL that is not well-formed XML as a retryable config error naming the file', async () => {
    const path = join(dir, 'broken.wsdl')
    await writeFile(path, '<?xml version="1.0"?><wsdl:definitions><oops></wsdl:definitions>')
    const err = await failureOf(open(target({ wsdl: path })).deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'config', sentNothing: true })
    expect(err.message).toMatch(new RegExp(`^无法加载 WSDL 文件 ${path}：不是有效的 WSDL`))
  })

  it('reports an operation the WSDL does not offer as a retryable config error', async () => {
    const err = await failureOf(open(target({ operation: 'ReceiveBirthNotice' })).deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'config', sentNothing: true })
    expect(err.message).toContain('ReceiveBirthNotice')
  })

  it('delivers once ops fix a WSDL that lacked a mapped field, without a restart', async () => {
    const path = join(dir, 'renshe.wsdl')
    const full = await readFile(WSDL, 'utf8')
    const outdated = full.replace(/\s*<xs:element name="corroboration" type="xs:string"\/>/, '')
    expect(outdated).not.toBe(full)
    await writeFile(path, outdated)
    const d = open(target({ wsdl: path }))
    const scope = nock(BASE).post(PATH).reply(200, okResponse('RS-1'))

    const err = await failureOf(d.deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'config', sentNothing: true })
    expect(err.message).toContain('corroboration')
    expect(scope.isDone()).toBe(false)

    await writeFile(path, full)
    expect(await d.deliver(message, never)).toMatchObject({ ackId: 'RS-1' })
  })

  it('reads the WSDL once, on the first delivery, not for every message', async () => {
    const path = join(dir, 'renshe.wsdl')
    await writeFile(path, await readFile(WSDL))
    const d = open(target({ wsdl: path }))
    nock(BASE).post(PATH).times(2).reply(200, okResponse('RS-1'))
    await d.deliver(message, never)
    await rm(path)
    expect(await d.deliver(message, never)).toMatchObject({ ackId: 'RS-1' })
  })
})

function okResponse (ackId: string | undefined, text = '已受理', resultCode = '0000'): string {
  return envelope(`<DeathNoticeResponse xmlns="${NS}"><resultCode>${resultCode}</resultCode>` +
    `${ackId === undefined ? '' : `<ackId>${ackId}</ackId>`}<message>${text}</message></DeathNoticeResponse>`)
}

function fault (code: string, text: string, detail?: string): string {
  const wsse = code.startsWith('wsse:') ? ' xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"' : ''
  return envelope(`<soapenv:Fault><faultcode${wsse}>${code}</faultcode><faultstring>${text}</faultstring>` +
    `${detail === undefined ? '' : `<detail>${detail}</detail>`}</soapenv:Fault>`)
}

/** A SOAP 1.2 fault (`Code/Value`, optional `Subcode/Value`), as a SOAP 1.2 stack answers. */
function fault12 (code: string, subcode?: string, detail?: string): string {
  const wsse = subcode?.startsWith('wsse:') === true ? ' xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"' : ''
  const sub = subcode === undefined ? '' : `<env:Subcode><env:Value${wsse}>${subcode}</env:Value></env:Subcode>`
  return '<?xml version="1.0" encoding="utf-8"?>' +
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>' +
    `<env:Code><env:Value>${code}</env:Value>${sub}</env:Code>` +
    `<env:Reason><env:Text xml:lang="zh">${NAME} 拒收</env:Text></env:Reason>` +
    `${detail === undefined ? '' : `<env:Detail>${detail}</env:Detail>`}</env:Fault></env:Body></env:Envelope>`
}

function envelope (body: string): string {
  return '<?xml version="1.0" encoding="utf-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
}

/** The content of the first `<tag …>…</tag>` in `xml`, the start tag's attributes included. */
function between (xml: string, tag: string): string {
  const start = xml.indexOf(`<${tag}`)
  const end = xml.indexOf(`</${tag}>`, start)
  expect(start, `<${tag}> in the request`).toBeGreaterThanOrEqual(0)
  return xml.slice(start + tag.length + 1, end)
}

function expectNoPersonalData (err: DeliveryError): void {
  const shown = JSON.stringify({ ...err, message: err.message })
  expect(shown).not.toContain(NAME)
  expect(shown).not.toContain(ID_NUMBER)
  expect(err.cause).toBeUndefined()
}

