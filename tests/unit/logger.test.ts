import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'

describe('the log redaction (the second line of defence for personal data)', () => {
  it('blanks personal fields at the top level and one level down, and whole personal objects', () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } })
    const logger = createLogger('info', sink)
    logger.info({
      idNumber: '430621193805120041',
      deceased: { name: '李桂英' },
      outcome: { informant: { phone: '13907301234' } },
      a: { householdAddress: '荣家湾镇建设路8号', bankAccount: '6217000000000000000' },
      target: 'gongan'
    }, 'something happened')
    const text = lines.join('')
    for (const secret of ['430621193805120041', '李桂英', '13907301234', '荣家湾镇', '6217000000000000000']) expect(text).not.toContain(secret)
    expect(JSON.parse(text)).toMatchObject({ target: 'gongan', msg: 'something happened', idNumber: '[redacted]' })
  })
})
