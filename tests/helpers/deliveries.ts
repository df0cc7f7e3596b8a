import type nock from 'nock'
import { expect } from 'vitest'
import { DeliveryError } from '../../src/adapters/delivery-error.js'

/** The DeliveryError a delivery failed with (the test fails if it succeeded or threw something else). */
export async function failureOf<E extends DeliveryError = DeliveryError> (promise: Promise<unknown>): Promise<E> {
  const outcome = await promise.then(() => undefined, (err: unknown) => err)
  expect(outcome, 'the delivery should have failed').toBeInstanceOf(DeliveryError)
  return outcome as E
}

/** What a nock scope received: the headers and the body exactly as sent (nock 15 emits a fetch Request). */
export function captureRequest (scope: nock.Scope): () => { headers: Record<string, string>, raw: string } {
  let seen: { headers: Record<string, string>, raw: string } | undefined
  scope.on('request', (req: Request, _interceptor: unknown, body: string) => {
    seen = { headers: Object.fromEntries(req.headers.entries()), raw: body }
  })
  return () => {
    expect(seen, 'the request reached the department').toBeDefined()
    return seen!
  }
}
