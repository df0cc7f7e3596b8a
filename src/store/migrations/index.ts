import { sql as init } from './001-init.js'
import { sql as feed } from './002-feed.js'
import { sql as sftpBatches } from './003-sftp-batches.js'
import { sql as versions } from './004-versions.js'
import { sql as sentCorroboration } from './005-sent-corroboration.js'
import { sql as sentVoidReason } from './006-sent-void-reason.js'
import { sql as recordAnswers } from './007-record-answers.js'

/** Every migration, in order. A migration is never edited once it has landed: add a new one. */
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'feed', sql: feed },
  { version: 3, name: 'sftp-batches', sql: sftpBatches },
  { version: 4, name: 'versions', sql: versions },
  { version: 5, name: 'sent-corroboration', sql: sentCorroboration },
  { version: 6, name: 'sent-void-reason', sql: sentVoidReason },
  { version: 7, name: 'record-answers', sql: recordAnswers }
]
