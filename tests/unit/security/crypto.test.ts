import { describe, expect, it } from 'vitest'
import { createFieldCrypto, generateMasterKey, MasterKeyError, parseMasterKey } from '../../../src/security/crypto.js'

const key = parseMasterKey('11'.repeat(32))
const crypto = createFieldCrypto(key, 'k1')

describe('field encryption and the blind index', () => {
  it('opens what it sealed, and never seals the same value to the same text', () => {
    const value = { name: '李桂英', idNumber: '430621193805120041' }
    const a = crypto.seal(value)
    const b = crypto.seal(value)
    expect(a).not.toBe(b)
    expect(a.startsWith('k1:')).toBe(true)
    expect(a).not.toContain('430621')
    expect(crypto.open(a)).toEqual(value)
  })

  it('refuses a ciphertext that was altered', () => {
    const sealed = crypto.seal({ name: '李桂英' })
    const raw = Buffer.from(sealed.slice(3), 'base64')
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1
    expect(() => crypto.open(`k1:${raw.toString('base64')}`)).toThrow()
  })

  it('refuses a ciphertext sealed under another master key or relabelled to another key id', () => {
    const other = createFieldCrypto(parseMasterKey(generateMasterKey()), 'k1')
    expect(() => other.open(crypto.seal('x'))).toThrow()
    const relabelled = createFieldCrypto(key, 'k2')
    expect(() => relabelled.open(crypto.seal('x'))).toThrow(MasterKeyError)
  })

  it('gives one blind index per value and master key, unrelated to the plain value', () => {
    const other = createFieldCrypto(parseMasterKey('22'.repeat(32)), 'k1')
    expect(crypto.blindIndex('1:430621193805120041')).toBe(crypto.blindIndex('1:430621193805120041'))
    expect(crypto.blindIndex('1:430621193805120041')).not.toBe(other.blindIndex('1:430621193805120041'))
    expect(crypto.blindIndex('1:430621193805120041')).toMatch(/^[0-9a-f]{64}$/)
  })

  it('accepts a master key as hex or base64 and rejects one of the wrong length', () => {
    expect(parseMasterKey(Buffer.alloc(32, 7).toString('base64'))).toHaveLength(32)
    expect(() => parseMasterKey('abcd')).toThrow(/HUB_MASTER_KEY/)
  })
})
