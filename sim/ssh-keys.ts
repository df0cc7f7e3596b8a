import ssh2 from 'ssh2'

/**
 * A new ed25519 key pair in OpenSSH format that ssh2 can read back. ssh2's own generator writes
 * about one key in 200 that its parser then refuses ("Malformed OpenSSH private key"), which made
 * the simulators, the demo and tests fail at random; such a key is simply drawn again.
 */
export function generateEd25519 (comment?: string): { private: string, public: string } {
  for (let tries = 0; tries < 20; tries++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment })
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair
  }
  throw new Error('ssh2 could not generate a readable ed25519 key')
}
