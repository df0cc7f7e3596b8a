/**
 * The void reason a `notice.voided` message said the first time, kept like its corroboration
 * (migration 5): a person reported again and voided again, with another reason, while the first
 * void's message is still being retried must not change that message under its key.
 */
export const sql = /* sql */ `
ALTER TABLE deliveries ADD COLUMN sent_void_reason text;
`
