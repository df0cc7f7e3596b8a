/** One BullMQ queue per department target, so one slow department never blocks another. */
export const queueName = (targetCode: string): string => `delivery.${targetCode}`

/** The job id is the delivery id: adding the same delivery twice is a no-op in BullMQ. */
export interface DeliveryJob {
  deliveryId: string
}
