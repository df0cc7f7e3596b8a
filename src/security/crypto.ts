import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Field encryption at rest (AES-256-GCM) and the HMAC blind index (DESIGN §9). Both keys are
 * derived from one master key with HKDF, so a leak of one derived key exposes nothing else.
 */
export interface FieldCrypto {
  readonly keyId: string
  /** Seals a JSON-serialisable value: `keyId:base64(iv | tag | ciphertext)`. */
  seal (value: unknown): string
  /** Opens what `seal` produced; throws when the text was altered or sealed with another key. */
  open<T = unknown> (sealed: string): T
  /** Keyed HMAC-SHA256 (hex) of a normalised value, for lookups without decrypting. */
  blindIndex (value: string): string
  /**
   * Keyed digest (hex) of bytes that were sent, proving what went out. Keyed, because a plain
   * hash of a message whose other fields are known could be brute-forced back to a name and ID.
   */
  digest (bytes: string): string
}

export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError'
}

/** Accepts a 32-byte key as 64 hex characters or as base64. */
export function parseMasterKey (text: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  if (key.length !== 32) {
    throw new MasterKeyError('主密钥必须是 32 字节（64 位十六进制或 base64）：HUB_MASTER_KEY')
  }
  return key
}

/** A fresh random master key in hex, for development and the demo. */
export function generateMasterKey (): string {
  return randomBytes(32).toString('hex')
}

export function createFieldCrypto (masterKey: Buffer, keyId: string): FieldCrypto {
  const encKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'houshi-hub field-encryption v1', 32))
  const indexKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'houshi-hub blind-index v1', 32))
  const digestKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'houshi-hub message-digest v1', 32))

  return {
    keyId,
    seal (value) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encKey, iv)
      // The key id is authenticated too, so a ciphertext cannot be relabelled to another key.
      cipher.setAAD(Buffer.from(keyId))
      const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
      return `${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`
    },
    open<T> (sealed: string): T {
      const sep = sealed.indexOf(':')
      const id = sealed.slice(0, sep)
      if (sep < 0 || id !== keyId) throw new MasterKeyError(`密文使用的密钥 ${id} 不可用`)
      const raw = Buffer.from(sealed.slice(sep + 1), 'base64')
      const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12))
      decipher.setAAD(Buffer.from(keyId))
      decipher.setAuthTag(raw.subarray(12, 28))
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()])
      return JSON.parse(plain.toString('utf8')) as T
    },
    blindIndex (value) {
      return createHmac('sha256', indexKey).update(value, 'utf8').digest('hex')
    },
    digest (bytes) {
      return createHmac('sha256', digestKey).update(bytes, 'utf8').digest('hex')
    }
  }
}
