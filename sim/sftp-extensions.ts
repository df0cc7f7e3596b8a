import type { SFTPWrapper } from 'ssh2'

/** SSH_FXP_VERSION (type 2) for protocol version 3 with no extensions, as ssh2's server sends it. */
const BARE_VERSION = Buffer.from([0, 0, 0, 5, 2, 0, 0, 0, 3])

/** The parts of ssh2's SFTP channel this file touches; they are not in its public types. */
interface ChannelInternals {
  _protocol: { channelData: (channelId: number, data: Buffer) => void }
  outgoing: { window: number }
}

/**
 * Makes the server's VERSION packet announce `extensions` (name → version string).
 *
 * ssh2 1.x's server always answers INIT with a bare VERSION 3 and has no option to announce
 * extensions, while its client (and so ssh2-sftp-client's `posixRename`) refuses to send
 * `posix-rename@openssh.com` unless the server announced it, as OpenSSH does. So the first
 * packet this channel sends, which is that VERSION, is swapped for one that lists the
 * extensions. Call it right after `accept()`, before the client's INIT arrives.
 * @see https://github.com/openssh/openssh-portable/blob/master/PROTOCOL (§4, SFTP extensions)
 */
export function announceExtensions (sftp: SFTPWrapper, extensions: Record<string, string>): void {
  const channel = sftp as unknown as ChannelInternals
  const protocol = channel._protocol
  const version = versionPacket(extensions)
  channel._protocol = new Proxy(protocol, {
    get (target, key) {
      if (key === 'channelData') {
        return (channelId: number, data: Buffer) => {
          if (!data.equals(BARE_VERSION)) return target.channelData(channelId, data)
          channel._protocol = protocol // only the first packet needs the swap
          // The channel's send window was charged for the bare packet; charge the extra bytes.
          channel.outgoing.window -= version.length - data.length
          target.channelData(channelId, version)
        }
      }
      const value: unknown = Reflect.get(target, key)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

function versionPacket (extensions: Record<string, string>): Buffer {
  const str = (s: string): Buffer => {
    const bytes = Buffer.from(s, 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    return Buffer.concat([length, bytes])
  }
  const body = Buffer.concat([
    Buffer.from([2, 0, 0, 0, 3]),
    ...Object.entries(extensions).flatMap(([name, data]) => [str(name), str(data)])
  ])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.length)
  return Buffer.concat([length, body])
}

/** Reads the SFTP strings (uint32 length + bytes) packed one after another in `data`. */
export function readStrings (data: Buffer | undefined, count: number): string[] | undefined {
  if (data === undefined) return undefined
  const strings: string[] = []
  let offset = 0
  for (let i = 0; i < count; i++) {
    if (offset + 4 > data.length) return undefined
    const length = data.readUInt32BE(offset)
    offset += 4
    if (offset + length > data.length) return undefined
    strings.push(data.toString('utf8', offset, offset + length))
    offset += length
  }
  return strings
}
