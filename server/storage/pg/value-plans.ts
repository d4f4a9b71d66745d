// Search statements (search.ts, and the criteria of conditional interactions in match.ts) are prepared once and
// bound with values: token arrays, ranges, LIKE patterns. After five runs PostgreSQL would switch to a generic plan
// that cannot see those values and picks scans 3 to 40 times slower (measured at a million resources). The hub
// gives searches a pool of their own that plans with values (connect.ts, plans 'values'); where a search has only the
// default pool or a transaction, this runs it in a transaction set to plan with values. Writes keep cached
// generic plans, which are good.
import type postgres from 'postgres';
import type { Db } from './db.js';

export async function withValuePlans<T>(db: Db, work: (db: Db) => Promise<T>): Promise<T> {
  const pool = db as Partial<postgres.Sql>;
  if (typeof pool.begin === 'function') {
    // Read only: a search writes nothing, and its page, total and includes see one snapshot.
    return (await pool.begin('read only', async (tx) => {
      await tx`SET LOCAL plan_cache_mode = force_custom_plan`;
      return work(tx);
    })) as T;
  }
  // Inside the caller's transaction: the setting lasts to its end, which suits its other searches too.
  await db`SET LOCAL plan_cache_mode = force_custom_plan`;
  return work(db);
}
