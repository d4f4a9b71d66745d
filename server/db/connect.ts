// Opens the postgres.js pool: on DATABASE_URL when set, else on the embedded PostgreSQL in the data folder.
import postgres, { type Sql } from 'postgres';
import type { HubConfig } from '../config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';

export interface Database {
  sql: Sql;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

export function openPool(url: string, max: number): Sql {
  return postgres(url, {
    max,
    onnotice: () => undefined,
    // random_page_cost 1.1 (the default 4 is for spinning disks): with it the planner reaches a search's few
    // matches by primary key instead of scanning the whole resource table (540 ms -> 70 ms for a month of
    // SupplyRequests at a million resources). Searches also plan with their real values (storage/pg/search.ts).
    connection: { application_name: 'zorghub', random_page_cost: '1.1' },
  });
}

export async function openDatabase(config: HubConfig): Promise<Database> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedDatabase({ dataDir: config.dataDir, port: config.embeddedPgPort });
  const sql = openPool(config.databaseUrl ?? embedded!.url, config.dbPoolSize);
  return {
    sql,
    embedded,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
