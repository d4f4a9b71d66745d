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
    connection: { application_name: 'zorghub' },
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
