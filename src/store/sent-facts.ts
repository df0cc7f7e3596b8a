/**
 * What a message says that its notice may still change: its corroboration (a death certificate
 * arriving) and, for a void, the reason (the person reported and voided again). A delivery keeps
 * the values its message was first built with (migrations 5 and 6), so every retry, re-pulled
 * feed page and rewritten batch file carries the same bytes under the same Idempotency-Key.
 */

/** SQL assignment for an UPDATE of `deliveries d` that builds the message: fixes them if not yet fixed. */
export const FIX_SENT_FACTS = `(sent_corroboration, sent_void_reason) = (SELECT coalesce(d.sent_corroboration, n.corroboration),
  coalesce(d.sent_void_reason, n.void_reason) FROM notices n WHERE n.id = d.notice_id)`

/** SQL select list: the fixed values of a row `c` returned by such an UPDATE, named as the message reads them. */
export const FIXED_FACTS_OF_C = 'c.sent_corroboration AS corroboration, c.sent_void_reason AS void_reason'

/** SQL select list: a delivery `d`'s fixed values, or its notice `n`'s while none are fixed yet. */
export const SENT_OR_NOTICE_FACTS = 'coalesce(d.sent_corroboration, n.corroboration) AS corroboration, coalesce(d.sent_void_reason, n.void_reason) AS void_reason'
