import { pino, type DestinationStream, type Logger } from 'pino'

/**
 * Paths pino blanks out wherever they appear. The hub never logs record bodies on purpose;
 * this is the second line of defence should one slip into a log call (DESIGN §8).
 */
export const REDACT_PATHS = [
  'req.body', 'body', 'record', 'personal',
  '*.idNumber', '*.name', '*.phone', '*.householdAddress', '*.birthDate', '*.bankAccount', '*.account',
  '*.deceased', '*.informant', '*.applicant',
  'req.headers.authorization', 'req.headers["x-hub-signature"]', '*.password', '*.token', '*.signingSecret', '*.masterKey'
]

export function createLogger (level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
  return destination === undefined ? pino(options) : pino(options, destination)
}
