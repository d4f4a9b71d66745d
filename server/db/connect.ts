// Opens the postgres.js pool: on DATABASE_URL when set, else on the embedded PostgreSQL in the data folder.
import postgres, { type Sql } from 'postgres';
import type { HubConfig } from '../config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';

export interface Database {
  sql: Sql;
  /** The pool searches run on (PoolOptions.valuePlans). */
  searchSql: Sql;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

export interface PoolOptions {
  /**
   * For searches: plan every statement with its bound values. Statements are prepared once; after five runs
   * PostgreSQL would switch a search to a generic plan that cannot see its token arrays, ranges and LIKE patterns
   * and picks scans 3 to 40 times slower (measured at a million resources). Writes and reads by id keep the
   * default pool, whose cached generic plans are good.
   */
  valuePlans?: boolean;
}

export function openPool(url: string, max: number, { valuePlans = false }: PoolOptions = {}): Sql {
  return postgres(url, {
    max,
    onnotice: () => undefined,
    // random_page_cost 1.1 (the default 4 is for spinning disks): with it the planner reaches a search's few
    // matches by primary key instead of scanning the whole resource table (540 ms -> 70 ms for a month of
    // SupplyRequests at a million resources). Searches also plan with their real values (storage/pg/search.ts).
    connection: { application_name: 'zorghub', random_page_cost: '1.1', ...(valuePlans ? { plan_cache_mode: 'force_custom_plan' } : {}) },
  });
}

export async function openDatabase(config: HubConfig): Promise<Database> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedDatabase({ dataDir: config.dataDir, port: config.embeddedPgPort });
  const url = config.databaseUrl ?? embedded!.url;
  const sql = openPool(url, config.dbPoolSize);
  const searchSql = openPool(url, Math.max(2, Math.ceil(config.dbPoolSize / 2)), { valuePlans: true });
  return {
    sql,
    searchSql,
    embedded,
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), searchSql.end({ timeout: 5 })]);
      await embedded?.stop();
    },
  };
}
