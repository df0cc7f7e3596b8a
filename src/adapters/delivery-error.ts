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
    options?: ErrorOptions
  ) {
    super(message, options)
  }
}
