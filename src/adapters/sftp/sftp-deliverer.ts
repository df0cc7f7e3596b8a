import type { TargetConfig } from '../../config/schema.js'
import type { FileMapping } from '../../mappings/mapping.js'
import type { Deliverer, OutboundMessage, Receipt } from '../deliverer.js'
import { DeliveryError } from '../delivery-error.js'
import { UnencodableError } from './encoding.js'
import { FileFormatError, fileRowFor, renderFile, type FileLayout } from './file-format.js'
import { dataFileName } from './file-name.js'
import { uploadFile, type Upload } from './upload.js'

export interface SftpDelivererOptions {
  /** County time zone for the time in file names. @defaultValue 'Asia/Shanghai' */
  timeZone?: string
  /** @defaultValue uploadFile */
  upload?: Upload
}

/**
 * `mode: per-notice` SFTP targets (残联 in the sample county): one file per delivery — the header
 * and one line — named after the delivery, uploaded with temporary name → rename → done-file.
 * A character the file's encoding cannot carry is a permanent failure (errorClass `encoding`):
 * retrying would not change the record, and sending `?` for it would misidentify a person.
 */
export function createSftpDeliverer (target: TargetConfig, mapping: FileMapping, options: SftpDelivererOptions = {}): Deliverer {
  const sftp = target.sftp
  if (sftp === undefined) throw new Error(`target ${target.code} 缺少 sftp 配置`)
  if (sftp.mode !== 'per-notice') throw new Error(`target ${target.code} 为批量模式，应由 runSftpBatch 定时发送`)
  const layout: FileLayout = { format: sftp.format, encoding: sftp.encoding, header: sftp.header }
  const upload = options.upload ?? uploadFile
  const timeZone = options.timeZone ?? 'Asia/Shanghai'

  return {
    transport: 'sftp',

    async deliver (message: OutboundMessage, signal: AbortSignal): Promise<Receipt> {
      let content: Buffer
      try {
        content = renderFile(mapping.columns, [fileRowFor(message.event, message.body as Record<string, string>, layout.encoding)], layout)
      } catch (err) {
        if (err instanceof UnencodableError) throw new DeliveryError(err.message, false, 'encoding', undefined, { sentNothing: true })
        if (err instanceof FileFormatError) throw new DeliveryError(err.message, false, 'mapping', undefined, { sentNothing: true })
        throw err
      }
      const name = dataFileName({
        prefix: sftp.filePrefix, target: target.code, createdAt: message.createdAt, timeZone, id: message.deliveryId, format: sftp.format
      })
      const uploaded = await upload(sftp, { name, content }, signal)
      return { ackId: uploaded.name, summary: `SFTP 文件 ${uploaded.name}（${uploaded.bytes} 字节）` }
    }
  }
}
