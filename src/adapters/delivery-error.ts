/**
 * A failed delivery attempt. Adapters decide `retryable`; the worker turns
 * `retryable === false` into a dead delivery at once.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError'

  constructor (
    message: string,
    readonly retryable: boolean,
    /** Stable class of the failure, e.g. `timeout`, `network`, `http-5xx`, `http-4xx`, `mapping`. */
    readonly errorClass: string,
    readonly status?: number,
    options?: DeliveryErrorOptions
  ) {
    super(message, options)
    this.sentNothing = options?.sentNothing === true
  }

  /**
   * No byte of the message reached the department: it failed before sending (mapping, encoding,
   * a connection never opened) or before becoming visible (a batch file not yet renamed). The
   * department then cannot have the notice, and a later correction or void is not owed to it.
   * False whenever in doubt (a timeout, a reset mid-exchange).
   */
  readonly sentNothing: boolean
}

export interface DeliveryErrorOptions extends ErrorOptions {
  sentNothing?: boolean
}
