import { createDeliverer } from '../../../src/adapters/index.js'
import { yibaoRestMapping } from '../../../src/mappings/yibao-rest.js'
import { alwaysOk, alwaysStatus, startRestDepartment, type ReceivedMessage, type RestDepartmentSim } from '../../../sim/rest-department.js'
import { conformanceMessage, conformanceTarget, type Arrival, type ConformanceHarness } from '../adapter-conformance.js'

const SIGNING_SECRET = 'yibao-conformance-secret'

/**
 * 医保 over REST (yibao-rest-v1) against the REST department simulator, which checks the
 * `X-Hub-Signature` and answers 401 without a valid one.
 * - unavailable: HTTP 503 to every request;
 * - permanent: HTTP 400 (the department refuses the message itself);
 * - slow: the answer (200) comes `ms` after the request.
 */
export function restHarness (): ConformanceHarness {
  let sim: RestDepartmentSim | undefined
  const department = (): RestDepartmentSim => {
    if (sim === undefined) throw new Error('the REST harness is not started')
    return sim
  }

  /** Settles once every request has been answered (or its answer dropped for a gone client). */
  const answered = async (timeoutMs: number): Promise<void> => {
    await department().waitFor(s => s.received.every(m => m.status !== undefined), timeoutMs)
  }

  return {
    transport: 'rest',
    unavailable: { description: 'HTTP 503', errorClass: 'http-5xx' },
    permanent: { description: 'HTTP 400', errorClass: 'http-4xx' },
    slowness: 'HTTP 200 sent after the deadline',

    async start () {
      sim = await startRestDepartment({ name: 'yibao', signingSecret: SIGNING_SECRET, requireSignature: true })
    },

    async stop () {
      await sim?.close()
      sim = undefined
    },

    async reset () {
      department().setBehaviour(alwaysOk())
      department().reset()
    },

    deliverer (opts = {}) {
      const target = conformanceTarget({
        code: 'yibao',
        department: 'yibao',
        name: '县医保局',
        transport: 'rest',
        mapping: yibaoRestMapping.name,
        concurrency: 4,
        rest: {
          url: department().url,
          timeoutMs: opts.timeoutMs ?? 5_000,
          auth: { type: 'bearer', token: 'yibao-conformance-token' },
          signingSecret: SIGNING_SECRET
        }
      })
      return createDeliverer(target, yibaoRestMapping)
    },

    message: deliveryId => conformanceMessage(yibaoRestMapping, deliveryId),

    keyOf: message => message.idempotencyKey,

    async makeUnavailable () {
      department().setBehaviour(alwaysStatus(503))
      return async () => { department().setBehaviour(alwaysOk()) }
    },

    async failPermanently (deliveryId) {
      department().setBehaviour(alwaysStatus(400))
      return conformanceMessage(yibaoRestMapping, deliveryId)
    },

    async makeSlow (ms) {
      department().setBehaviour(() => ({ status: 200, delayMs: ms }))
      return async () => {
        await answered(ms + 5_000)
        department().setBehaviour(alwaysOk())
      }
    },

    async received () {
      const messages = department().received
      return messages.map((m): Arrival => ({
        key: m.idempotencyKey,
        accepted: isAccepted(m),
        duplicate: m.duplicate,
        ackId: isAccepted(m) ? ackIdOf(m, messages) : undefined,
        authenticated: m.signatureValid === true,
        body: m.body
      }))
    },

    async holds () {
      return department().uniqueAccepted().map(m => m.idempotencyKey ?? `(no key, #${m.seq})`)
    }
  }
}

function isAccepted (m: ReceivedMessage): boolean {
  return m.status !== undefined && m.status >= 200 && m.status < 300
}

/**
 * The ack id the simulator answered: `<name>-<seq>` of the first accepted request with the same
 * key, repeated for its duplicates (sim/rest-department.ts does not record the body it sent).
 */
function ackIdOf (m: ReceivedMessage, all: readonly ReceivedMessage[]): string {
  const firstAccepted = all
    .filter(other => isAccepted(other) && other.idempotencyKey !== undefined && other.idempotencyKey === m.idempotencyKey)
    .sort((a, b) => (a.respondedAt?.getTime() ?? 0) - (b.respondedAt?.getTime() ?? 0) || a.seq - b.seq)[0]
  return `yibao-${(firstAccepted ?? m).seq}`
}
