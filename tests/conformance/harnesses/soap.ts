import { createDeliverer } from '../../../src/adapters/index.js'
import { rensheSoapMapping } from '../../../src/mappings/renshe-soap.js'
import {
  soapBusinessFault, soapOk, soapServerFault, soapSlow, startSoapDepartment, type SoapDepartmentSim
} from '../../../sim/soap-department.js'
import { conformanceMessage, conformanceTarget, type Arrival, type ConformanceHarness } from '../adapter-conformance.js'

const USERNAME = 'houshi-hub'
const PASSWORD = 'renshe-conformance'

/**
 * 人社 over SOAP (renshe-soap-v1) against the SOAP department simulator, served by node-soap
 * from config/wsdl/renshe-death-notice.wsdl and checking a PasswordDigest UsernameToken.
 * - unavailable: a `soap:Server` fault to every request;
 * - permanent: a `soap:Client` fault with business code E2001 (the department refuses the notice);
 * - slow: the accepting answer comes `ms` after the request.
 */
export function soapHarness (): ConformanceHarness {
  let sim: SoapDepartmentSim | undefined
  const department = (): SoapDepartmentSim => {
    if (sim === undefined) throw new Error('the SOAP harness is not started')
    return sim
  }

  return {
    transport: 'soap',
    unavailable: { description: 'a soap:Server fault', errorClass: 'soap-server' },
    permanent: { description: 'a soap:Client fault with a business code', errorClass: 'soap-business' },
    slowness: 'the accepting answer sent after the deadline',

    async start () {
      sim = await startSoapDepartment({ name: 'renshe', username: USERNAME, password: PASSWORD })
    },

    async stop () {
      await sim?.close()
      sim = undefined
    },

    async reset () {
      department().setBehaviour(soapOk())
      department().reset()
    },

    deliverer (opts = {}) {
      const target = conformanceTarget({
        code: 'renshe',
        department: 'renshe',
        name: '县人社局',
        transport: 'soap',
        mapping: rensheSoapMapping.name,
        concurrency: 4,
        soap: {
          wsdl: 'config/wsdl/renshe-death-notice.wsdl',
          endpoint: department().url,
          operation: 'ReceiveDeathNotice',
          timeoutMs: opts.timeoutMs ?? 5_000,
          security: { username: USERNAME, password: PASSWORD, passwordType: 'PasswordDigest' }
        }
      })
      return createDeliverer(target, rensheSoapMapping)
    },

    message: deliveryId => conformanceMessage(rensheSoapMapping, deliveryId),

    keyOf: message => message.idempotencyKey,

    async makeUnavailable () {
      department().setBehaviour(soapServerFault())
      return async () => { department().setBehaviour(soapOk()) }
    },

    async failPermanently (deliveryId) {
      department().setBehaviour(soapBusinessFault('E2001'))
      return conformanceMessage(rensheSoapMapping, deliveryId)
    },

    async makeSlow (ms) {
      department().setBehaviour(soapSlow(ms))
      return async () => {
        await department().waitFor(s => s.received.every(m => m.outcome !== undefined), ms + 5_000)
        department().setBehaviour(soapOk())
      }
    },

    async received () {
      return department().received.map((m): Arrival => ({
        key: m.idempotencyKey,
        accepted: m.outcome === 'accepted',
        duplicate: m.duplicate,
        ackId: m.outcome === 'accepted' ? m.ackId : undefined,
        authenticated: m.authenticated === true,
        body: m.body
      }))
    },

    async holds () {
      return department().uniqueAccepted().map(m => m.idempotencyKey ?? `(no key, #${m.seq})`)
    }
  }
}
