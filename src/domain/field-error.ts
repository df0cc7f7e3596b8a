/** One failing field of a submitted document: where, what (stable code) and why (Chinese). */
export interface FieldError {
  /** RFC 6901 JSON pointer into the request body, e.g. `/deceased/idNumber`. */
  pointer: string
  /** Stable machine-readable code, e.g. `HUB_ERR_ID_CHECKSUM`. */
  code: string
  /** Chinese message for the caller's operator, naming the field. */
  message: string
}

/** The outcome of validating a document: either the normalised value or every failing field. */
export type Validated<T> =
  | { ok: true, value: T }
  | { ok: false, kind: 'schema' | 'rule', errors: FieldError[] }
