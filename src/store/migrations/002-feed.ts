/** Placeholder, filled in by the work that owns it (feed). */
export const sql = /* sql */ `SELECT 1;`
