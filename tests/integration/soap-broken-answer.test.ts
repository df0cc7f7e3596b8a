import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OutboundMessage } from '../../src/adapters/deliverer.js'
import { createSoapDeliverer } from '../../src/adapters/soap.js'
import type { TargetConfig } from '../../src/config/schema.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import { rensheSoapMapping } from '../../src/mappings/renshe-soap.js'
import { startSoapDepartment, type SoapDepartmentSim } from '../../sim/soap-department.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { cremationNow, validCremation } from '../fixtures/cremation.js'
import { failureOf } from '../helpers/deliveries.js'

/**
 * The SOAP deliverer when the connection breaks while the department's answer is on its way
 * (the real SOAP department from the WSDL, behind the fault suite's proxy): the department has
 * taken the notice, the hub never reads whether it did.
 */

const USERNAME = 'houshi-hub'
const PASSWORD = 'renshe-s3cret'
const never = new AbortController().signal

let sim: SoapDepartmentSim
let proxy: FaultProxy

beforeEach(async () => {
  sim = await startSoapDepartment({ name: 'renshe', username: USERNAME, password: PASSWORD })
  proxy = await startFaultProxy('127.0.0.1', sim.port)
})

afterEach(async () => {
  await proxy.close()
  await sim.close()
})

function message (): OutboundMessage {
  const validated = validateCremation(validCremation, cremationNow)
  if (!validated.ok) throw new Error('the fixture cremation record is valid')
  const noticeId = 'ntc-yyx-2026-0815'
  const body = rensheSoapMapping.map(validated.value, { noticeId, version: 1, event: 'notice.created', timeZone: 'Asia/Shanghai', countyCode: '430621' })
  return { deliveryId: 'dlv-1', noticeId, version: 1, event: 'notice.created', idempotencyKey: `${noticeId}:renshe:1`, createdAt: new Date(), body }
}

function target (timeoutMs = 2_000): TargetConfig {
  return {
    code: 'renshe', department: 'renshe', name: '县人社局', enabled: true, transport: 'soap',
    events: ['notice.created'], mapping: 'renshe-soap-v1', holdMinutes: 0, requireCorroboration: false, concurrency: 1,
    soap: {
      wsdl: 'config/wsdl/renshe-death-notice.wsdl',
      endpoint: `http://127.0.0.1:${proxy.port}/houshi/services/DeathNoticeService`,
      operation: 'ReceiveDeathNotice',
      timeoutMs,
      security: { username: USERNAME, password: PASSWORD, passwordType: 'PasswordDigest' }
    }
  }
}

describe('a SOAP answer cut off by the connection', () => {
  // The answer is ~985 bytes: ~170 of status line and headers, then the envelope.
  it.each([
    ['in its headers', 120],
    ['after its status line, in the envelope', 600]
  ])('is a network failure to retry when the connection drops %s, and the retry is the same message', async (_where, afterBytes) => {
    const deliverer = createSoapDeliverer(target())
    proxy.setPlan(() => ({ kind: 'drop', afterBytes }))
    try {
      const err = await failureOf(deliverer.deliver(message(), never))
      // Not "an answer that is not SOAP": the department may be fine and have taken the notice.
      expect(err).toMatchObject({ retryable: true, errorClass: 'network', sentNothing: false })
      expect(err.message).not.toMatch(/李桂英|430621193805120041/)

      proxy.heal()
      const receipt = await deliverer.deliver(message(), never)

      expect(receipt.ackId).toBe('renshe-1')
      expect(sim.duplicateCount).toBe(1)
      expect(sim.uniqueAccepted()).toHaveLength(1)
    } finally {
      await deliverer.close?.()
    }
  })

  it('is a timeout when the answer stops coming after its status line, and the retry is the same message', async () => {
    const deliverer = createSoapDeliverer(target(300))
    proxy.setPlan(() => ({ kind: 'hang', afterBytes: 600 }))
    try {
      const err = await failureOf(deliverer.deliver(message(), never))
      expect(err).toMatchObject({ retryable: true, errorClass: 'timeout', message: '请求超时（300 ms）' })

      proxy.heal()
      const receipt = await deliverer.deliver(message(), never)

      expect(receipt.ackId).toBe('renshe-1')
      expect(sim.duplicateCount).toBe(1)
    } finally {
      await deliverer.close?.()
    }
  })
})
