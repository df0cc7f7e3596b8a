import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from '../../../src/store/unavailable.js'

const withCode = (code: string): Error => Object.assign(new Error('x'), { code })

describe('which errors mean the database is away', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a server shutting down (57P01)', withCode('57P01')],
    ['a primary demoted to a read-only standby by a failover (25006)', withCode('25006')],
    ['a server starting up (57P03)', withCode('57P03')],
    ['a connection that broke (08006)', withCode('08006')],
    ['a connection ended under a statement', new Error('Connection terminated unexpectedly')],
    ['a statement past the query timeout', new Error('Query read timeout')],
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['a driver error wrapped by the code that ran it', new Error('ingest failed', { cause: withCode('ECONNRESET') })]
  ])('%s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true)
  })

  it.each([
    ['a unique violation (23505)', withCode('23505')],
    ['a syntax error (42601)', withCode('42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing at all', undefined]
  ])('not %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false)
  })
})
