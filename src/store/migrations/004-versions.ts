/** Placeholder, filled in by the work that owns it (versions). */
export const sql = /* sql */ `SELECT 1;`
