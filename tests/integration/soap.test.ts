import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Deliverer, OutboundMessage } from '../../src/adapters/deliverer.js'
import { createSoapDeliverer } from '../../src/adapters/soap.js'
import type { EventType, TargetConfig } from '../../src/config/schema.js'
import type { CremationRecord } from '../../src/domain/cremation-record.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { rensheSoapMapping } from '../../src/mappings/renshe-soap.js'
import {
  soapBusinessFault, soapFailFirst, soapOk, soapRefuse, soapSlow, startSoapDepartment, type SoapDepartmentSim
} from '../../sim/soap-department.js'
import { cremationNow, validCremation } from '../fixtures/cremation.js'
import { failureOf } from '../helpers/deliveries.js'

/**
 * The SOAP deliverer against a real SOAP server built by node-soap from the same WSDL file
 * (sim/soap-department.ts): the contract between the mapping renshe-soap-v1, the WSDL and
 * the hub's envelope, over loopback HTTP.
 */

const USERNAME = 'houshi-hub'
const PASSWORD = 'renshe-s3cret'

let sim: SoapDepartmentSim
const deliverers: Deliverer[] = []
const never = new AbortController().signal

beforeEach(async () => {
  sim = await startSoapDepartment({ name: 'renshe', username: USERNAME, password: PASSWORD })
})

afterEach(async () => {
  await Promise.all(deliverers.splice(0).map(async d => await d.close?.()))
  await sim.close()
})

function open (soapConfig: Partial<NonNullable<TargetConfig['soap']>> = {}): Deliverer {
  const target = {
    code: 'renshe',
    department: 'renshe',
    name: '县人社局',
    enabled: true,
    transport: 'soap',
    events: ['notice.created', 'notice.updated', 'notice.voided'],
    mapping: 'renshe-soap-v1',
    holdMinutes: 0,
    requireCorroboration: false,
    concurrency: 4,
    soap: {
      wsdl: 'config/wsdl/renshe-death-notice.wsdl',
      endpoint: sim.url,
      operation: 'ReceiveDeathNotice',
      timeoutMs: 2_000,
      security: { username: USERNAME, password: PASSWORD, passwordType: 'PasswordDigest' },
      ...soapConfig
    }
  } as TargetConfig
  const deliverer = createSoapDeliverer(target)
  deliverers.push(deliverer)
  return deliverer
}

function record (): CremationRecord {
  const validated = validateCremation(validCremation, cremationNow)
  if (!validated.ok) throw new Error('the fixture cremation record is valid')
  return validated.value
}

function messageFor (event: EventType, version: number, extra: { voidReason?: string } = {}): OutboundMessage {
  const noticeId = 'ntc-yyx-2026-0815'
  const body = rensheSoapMapping.map(record(), {
    noticeId, version, event, timeZone: 'Asia/Shanghai', countyCode: '430621', corroboration: 'cremation+certificate', ...extra
  })
  return { deliveryId: `dlv-${version}`, noticeId, version, event, idempotencyKey: `${noticeId}:renshe:${version}`, createdAt: new Date(), body }
}

describe('delivering to a SOAP department', () => {
  it('delivers a notice and the department sees every mapped field, the hub header and a valid UsernameToken', async () => {
    const message = messageFor('notice.created', 1)

    const receipt = await open().deliver(message, never)

    expect(receipt).toEqual({ status: 200, ackId: 'renshe-1', summary: 'SOAP resultCode=0000 ackId=renshe-1' })
    expect(sim.received).toHaveLength(1)
    const [got] = sim.received
    expect(got!.body).toEqual(message.body)
    expect(got!.body).toMatchObject({ name: '李桂英', idNumber: '430621193805120041', deathDate: '2026-11-20', stopFrom: '2026-11-20' })
    expect(got!.header).toEqual({
      noticeId: 'ntc-yyx-2026-0815', version: 1, event: 'notice.created',
      idempotencyKey: 'ntc-yyx-2026-0815:renshe:1', deliveryId: 'dlv-1'
    })
    expect(got).toMatchObject({ username: USERNAME, passwordType: 'PasswordDigest', authenticated: true, outcome: 'accepted' })
  })

  it('delivers a void with its reason, authenticated with a text password', async () => {
    const message = messageFor('notice.voided', 3, { voidReason: '殡仪馆撤销：身份证号码录入错误' })

    await open({ security: { username: USERNAME, password: PASSWORD, passwordType: 'PasswordText' } }).deliver(message, never)

    expect(sim.received[0]).toMatchObject({ passwordType: 'PasswordText', authenticated: true })
    expect(sim.received[0]!.body).toEqual(message.body)
    expect(sim.received[0]!.body.voidReason).toBe('殡仪馆撤销：身份证号码录入错误')
  })

  it('treats a business fault as permanent and names only its code', async () => {
    sim.setBehaviour(soapBusinessFault('E2001'))
    const err = await failureOf(open().deliver(messageFor('notice.created', 1), never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-business', status: 500 })
    expect(err.message).toContain('E2001')
    expect(err.message).not.toMatch(/李桂英|430621193805120041/)
  })

  it('treats an answer with a resultCode other than 0000 as permanent', async () => {
    sim.setBehaviour(soapRefuse('E1003'))
    const err = await failureOf(open().deliver(messageFor('notice.created', 1), never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'soap-business' })
    expect(err.message).toContain('E1003')
  })

  it('retries after a server fault and succeeds, and the department accepts the notice once', async () => {
    sim.setBehaviour(soapFailFirst(1))
    const deliverer = open()
    const message = messageFor('notice.created', 1)

    const first = await failureOf(deliverer.deliver(message, never))
    expect(first).toMatchObject({ retryable: true, errorClass: 'soap-server', status: 500 })
    const receipt = await deliverer.deliver(message, never)

    expect(receipt.ackId).toBe('renshe-2')
    expect(sim.received.map(m => m.outcome)).toEqual(['server-fault', 'accepted'])
    expect(sim.uniqueAccepted()).toHaveLength(1)
  })

  it('gives up on an answer slower than timeoutMs with a retryable timeout', async () => {
    sim.setBehaviour(soapSlow(1_500))
    const started = Date.now()
    const err = await failureOf(open({ timeoutMs: 200 }).deliver(messageFor('notice.created', 1), never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'timeout', message: '请求超时（200 ms）' })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('ends the exchange promptly when the signal aborts (shutdown)', async () => {
    sim.setBehaviour(soapSlow(5_000))
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => { controller.abort() }, 100)
    const err = await failureOf(open().deliver(messageFor('notice.created', 1), controller.signal))
    expect(err).toMatchObject({ retryable: true, errorClass: 'aborted' })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('treats a wrong password as a retryable soap-config fault for ops, and delivers once the password is fixed', async () => {
    const message = messageFor('notice.created', 1)
    const err = await failureOf(open({ security: { username: USERNAME, password: 'expired', passwordType: 'PasswordDigest' } })
      .deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'soap-config', status: 500 })
    expect(err.message).toContain('FailedAuthentication')
    expect(sim.received[0]).toMatchObject({ authenticated: false, outcome: 'auth-fault' })

    const receipt = await open().deliver(message, never)

    expect(receipt.ackId).toBe('renshe-2')
    expect(sim.received.map(m => m.outcome)).toEqual(['auth-fault', 'accepted'])
    expect(sim.uniqueAccepted()).toHaveLength(1)
  })

  it('lets the department recognise the same message sent twice as a duplicate by its idempotency key', async () => {
    const deliverer = open()
    const message = messageFor('notice.created', 1)

    const first = await deliverer.deliver(message, never)
    const second = await deliverer.deliver(message, never)

    expect(second.ackId).toBe(first.ackId)
    expect(sim.duplicateCount).toBe(1)
    expect(sim.received.map(m => m.duplicate)).toEqual([false, true])
    expect(sim.uniqueAccepted()).toHaveLength(1)
  })

  it('recognises the retry of a timed-out delivery as a duplicate once the department has processed it', async () => {
    sim.setBehaviour(soapSlow(400))
    const deliverer = open({ timeoutMs: 150 })
    const message = messageFor('notice.created', 1)
    await failureOf(deliverer.deliver(message, never))
    await sim.waitFor(s => s.received[0]?.outcome === 'accepted', 2_000)
    sim.setBehaviour(soapOk())

    const receipt = await deliverer.deliver(message, never)

    expect(receipt.ackId).toBe('renshe-1')
    expect(sim.received[0]!.clientGone).toBe(true)
    expect(sim.duplicateCount).toBe(1)
    expect(sim.uniqueAccepted()).toHaveLength(1)
  })
})
