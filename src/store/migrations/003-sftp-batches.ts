/** Placeholder, filled in by the work that owns it (sftp-batches). */
export const sql = /* sql */ `SELECT 1;`
