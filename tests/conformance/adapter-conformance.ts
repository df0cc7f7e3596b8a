import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DeliveryError, type Deliverer, type OutboundMessage, type Receipt } from '../../src/adapters/index.js'
import type { TargetConfig } from '../../src/config/schema.js'
import type { CremationRecord } from '../../src/domain/cremation-record.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import type { Mapping } from '../../src/mappings/mapping.js'
import { cremationNow, validCremation } from '../fixtures/cremation.js'
import { failureOf } from '../helpers/deliveries.js'

/**
 * One conformance suite for every push transport (issue 3, as bullmq runs one suite against
 * every Redis client): each case states what a department would notice, and a small harness per
 * transport drives a real receiver (REST and SOAP simulators, a real OpenSSH server).
 */

/** Gives the department back its normal behaviour. */
export type Restore = () => Promise<void>

/** One delivery attempt as the department's system registered it. */
export interface Arrival {
  /**
   * What the department identifies a delivery by: the `Idempotency-Key` header (REST), the
   * `HubHeader/idempotencyKey` SOAP header, the file name (SFTP).
   */
  key: string | undefined
  /** The department took it in: 2xx, `resultCode` 0000, a data file that landed. */
  accepted: boolean
  /** The department had already taken in a delivery with this key. */
  duplicate: boolean
  /** The department's own id for what it took in (REST/SOAP ack id, SFTP file name). */
  ackId: string | undefined
  /** The sender proved to be the hub: a valid `X-Hub-Signature`, UsernameToken or SSH key. */
  authenticated: boolean
  /** The message as the department parsed it (JSON, SOAP body by the WSDL, a CSV row by its header). */
  body: unknown
}

/** A failure as it happens on this transport, and the errorClass the adapter must report for it. */
export interface FailureMode {
  /** In words, for the test name. */
  description: string
  errorClass: string
}

/** What the suite needs of one transport: a real receiver it can start, break and read. */
export interface ConformanceHarness {
  readonly transport: 'rest' | 'soap' | 'sftp'
  /** The department cannot take deliveries for a while: the adapter must say `retryable`. */
  readonly unavailable: FailureMode
  /** A delivery that no retry can fix: the adapter must say `retryable: false`. */
  readonly permanent: FailureMode
  /** How the department is made slow, in words, for the test name. */
  readonly slowness: string
  start (): Promise<void>
  stop (): Promise<void>
  /** Before each case: the department accepts normally again and forgets what it received. */
  reset (): Promise<void>
  /** A deliverer built by `createDeliverer(target, mapping)` for this department. */
  deliverer (opts?: { timeoutMs?: number }): Deliverer
  /** The conformance fixture record, mapped by this transport's real mapping, as delivery `deliveryId`. */
  message (deliveryId: string): OutboundMessage
  /** The name the department knows `message` by once it arrives (see `Arrival.key`). */
  keyOf (message: OutboundMessage): string
  /** Until the returned function is called, deliveries fail as `unavailable` describes. */
  makeUnavailable (): Promise<Restore>
  /** Sets up the `permanent` failure; returns the message that will meet it. */
  failPermanently (deliveryId: string): Promise<OutboundMessage>
  /**
   * The department answers each delivery only after `ms`. The returned function waits until the
   * slow answers are out, then lets the department answer normally.
   */
  makeSlow (ms: number): Promise<Restore>
  /** Every delivery attempt that reached the department since `reset()`, in arrival order. */
  received (): Promise<Arrival[]>
  /** What the department keeps now, by key, each once: distinct accepted deliveries / data files. */
  holds (): Promise<string[]>
}

/** The one record every transport delivers: the 岳阳县 funeral home's death at home. */
export const conformanceRecord: CremationRecord = (() => {
  const validated = validateCremation(validCremation, cremationNow)
  if (!validated.ok) throw new Error('the fixture cremation record is valid')
  return validated.value
})()

/** When the hub committed to the conformance deliveries (SFTP file names carry it). */
/** A target every harness delivers to: new notices only, no hold, no corroboration, enabled. */
export function conformanceTarget (t: Omit<TargetConfig, 'enabled' | 'events' | 'holdMinutes' | 'requireCorroboration'>): TargetConfig {
  return { enabled: true, events: ['notice.created'], holdMinutes: 0, requireCorroboration: false, ...t }
}

export const conformanceCreatedAt = new Date('2026-11-28T04:05:06Z')

/**
 * `record` mapped by `mapping` into the message the worker would build for delivery
 * `deliveryId` (src/queues/process-delivery.ts: the idempotency key is the delivery id).
 */
export function conformanceMessage (mapping: Mapping, deliveryId: string, record: CremationRecord = conformanceRecord): OutboundMessage {
  const noticeId = 'ntc-yyx-2026-0815'
  const version = 1
  const event = 'notice.created'
  const body = mapping.map(record, {
    noticeId, version, event, timeZone: 'Asia/Shanghai', countyCode: '430621', corroboration: 'cremation'
  })
  return { deliveryId, noticeId, version, event, idempotencyKey: deliveryId, createdAt: conformanceCreatedAt, body }
}

/** How late past its `timeoutMs` a deliverer may give up (timers, loopback, a busy CI core). */
const TIMEOUT_MARGIN_MS = 400
const never = new AbortController().signal

export function describeConformance (harness: ConformanceHarness): void {
  describe(`the ${harness.transport} adapter, by the adapter conformance suite`, () => {
    const opened: Deliverer[] = []
    const open = (opts?: { timeoutMs?: number }): Deliverer => {
      const deliverer = harness.deliverer(opts)
      opened.push(deliverer)
      return deliverer
    }
    const id = (name: string): string => `dlv-conf-${harness.transport}-${name}`

    beforeAll(async () => { await harness.start() })
    afterAll(async () => { await harness.stop() })
    beforeEach(async () => { await harness.reset() })
    afterEach(async () => { await Promise.all(opened.splice(0).map(async d => await d.close?.())) })

    it('delivers a notice: the department receives exactly the mapped message from the hub, and the receipt names what it accepted', async () => {
      const message = harness.message(id('delivers'))

      const receipt = await open().deliver(message, never)

      const arrivals = await harness.received()
      expect(arrivals).toHaveLength(1)
      const [arrival] = arrivals
      expect(arrival).toMatchObject({ key: harness.keyOf(message), accepted: true, duplicate: false, authenticated: true })
      expect(arrival!.body).toEqual(message.body)
      expect(arrival!.body).toMatchObject({
        noticeId: message.noticeId, name: conformanceRecord.deceased.name, idNumber: conformanceRecord.deceased.idNumber
      })
      expectReceiptFor(receipt, arrival!)
      expect(await harness.holds()).toEqual([harness.keyOf(message)])
    })

    it(`reports a department that is unavailable (${harness.unavailable.description}) as retryable, and accepts the retry as the same delivery`, async () => {
      const deliverer = open()
      const message = harness.message(id('retry'))
      const restore = await harness.makeUnavailable()

      let failure: DeliveryError
      try {
        failure = await failureOf(deliverer.deliver(message, never))
      } finally {
        await restore()
      }
      expect(failure).toMatchObject({ retryable: true, errorClass: harness.unavailable.errorClass })
      expectNoPersonalData(failure.message, message)

      const receipt = await deliverer.deliver(message, never)

      const arrivals = await harness.received()
      // Every attempt that reached the department, the failed one included, names the same delivery.
      expect(new Set(arrivals.map(a => a.key))).toEqual(new Set([harness.keyOf(message)]))
      const accepted = arrivals.filter(a => a.accepted)
      expect(accepted).toHaveLength(1)
      expect(accepted[0]).toMatchObject({ duplicate: false, authenticated: true })
      expect(accepted[0]!.body).toEqual(message.body)
      expectReceiptFor(receipt, accepted[0]!)
      expect(await harness.holds()).toEqual([harness.keyOf(message)])
    })

    it(`reports a permanent failure (${harness.permanent.description}) as not retryable, and the department keeps nothing`, async () => {
      const message = await harness.failPermanently(id('permanent'))

      const failure = await failureOf(open().deliver(message, never))

      expect(failure).toMatchObject({ retryable: false, errorClass: harness.permanent.errorClass })
      expectNoPersonalData(failure.message, message)
      expect((await harness.received()).filter(a => a.accepted)).toEqual([])
      expect(await harness.holds()).toEqual([])
    })

    it(`gives up on a department that answers too late (${harness.slowness}) within timeoutMs, as a retryable timeout, and a later retry leaves it holding the notice once`, async () => {
      const timeoutMs = 500
      const deliverer = open({ timeoutMs })
      const message = harness.message(id('timeout'))
      const restore = await harness.makeSlow(timeoutMs + 400)

      const started = performance.now()
      let failure: DeliveryError
      let elapsed: number
      try {
        failure = await failureOf(deliverer.deliver(message, never))
        elapsed = performance.now() - started
      } finally {
        await restore()
      }
      expect(failure).toMatchObject({ retryable: true, errorClass: 'timeout' })
      expectNoPersonalData(failure.message, message)
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5)
      expect(elapsed).toBeLessThan(timeoutMs + TIMEOUT_MARGIN_MS)

      const receipt = await deliverer.deliver(message, never)

      // The department may have processed the slow attempt after the hub stopped waiting
      // (REST, SOAP): the retry is then its duplicate. Either way it keeps the notice once.
      const accepted = (await harness.received()).filter(a => a.accepted)
      expect(accepted.length).toBeGreaterThanOrEqual(1)
      expect(accepted.every(a => a.key === harness.keyOf(message))).toBe(true)
      expect(accepted.slice(1).every(a => a.duplicate)).toBe(true)
      expectReceiptFor(receipt, accepted.at(-1)!)
      expect(await harness.holds()).toEqual([harness.keyOf(message)])
    })

    it('lets the department recognise the same delivery sent twice as a duplicate, and keep it once', async () => {
      const deliverer = open()
      const message = harness.message(id('twice'))

      const first = await deliverer.deliver(message, never)
      const second = await deliverer.deliver(message, never)

      const key = harness.keyOf(message)
      const arrivals = await harness.received()
      expect(arrivals.map(a => ({ key: a.key, accepted: a.accepted, duplicate: a.duplicate }))).toEqual([
        { key, accepted: true, duplicate: false },
        { key, accepted: true, duplicate: true }
      ])
      expect(arrivals[1]!.body).toEqual(arrivals[0]!.body)
      expect(second.ackId).toBe(first.ackId)
      expect(await harness.holds()).toEqual([key])
    })
  })
}

/** The receipt carries the department's ack for what it accepted, and keeps no personal data. */
function expectReceiptFor (receipt: Receipt, arrival: Arrival): void {
  expect(arrival.ackId).toBeDefined()
  expect(receipt.ackId).toBe(arrival.ackId)
  expect(receipt.summary).toContain(arrival.ackId)
  expectNoPersonalData(receipt.summary, undefined)
}

/** Error messages and receipts are kept and logged: never the person's name or ID number. */
function expectNoPersonalData (text: string, message: OutboundMessage | undefined): void {
  const body = (message?.body ?? {}) as Record<string, unknown>
  const personal = [conformanceRecord.deceased.name, conformanceRecord.deceased.idNumber, body.name, body.idNumber]
  for (const value of personal) {
    if (typeof value === 'string' && value !== '') expect(text).not.toContain(value)
  }
}

