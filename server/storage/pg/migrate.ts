// Applies the SQL files in ./migrations in name order, each in its own transaction, and records them in
// schema_migrations with a checksum. An applied migration whose file changed stops start-up: never edit one, add
// a new file. An advisory lock lets several hub processes start against one database safely.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_KEY = 7_513_2026; // any constant; shared by every hub process on this database

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(dir + file, 'utf8');
      return { name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function migrate(sql: Sql, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await sql.reserve().then(async (connection) => {
    try {
      await connection`SELECT pg_advisory_lock(${LOCK_KEY})`;
      await connection`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          name       text PRIMARY KEY,
          checksum   text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`;
      const done = new Map<string, string>();
      for (const row of await connection<
        { name: string; checksum: string }[]
      >`SELECT name, checksum FROM schema_migrations`) {
        done.set(row.name, row.checksum);
      }
      for (const migration of migrations) {
        const checksum = done.get(migration.name);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new MigrationError(
              `migration ${migration.name} was changed after it was applied; add a new migration instead`,
            );
          }
          continue;
        }
        await connection`BEGIN`;
        try {
          await connection.unsafe(migration.sql);
          await connection`INSERT INTO schema_migrations (name, checksum) VALUES (${migration.name}, ${migration.checksum})`;
          await connection`COMMIT`;
        } catch (error) {
          await connection`ROLLBACK`;
          throw error;
        }
        applied.push(migration.name);
      }
    } finally {
      await connection`SELECT pg_advisory_unlock(${LOCK_KEY})`.catch(() => undefined);
      connection.release();
    }
  });
  return applied;
}

/** True when every migration file is recorded as applied: what /readyz reports. */
export async function migrationsApplied(sql: Sql, migrations = listMigrations()): Promise<boolean> {
  const rows = await sql<{ name: string }[]>`
    SELECT name FROM schema_migrations WHERE name IN ${sql(migrations.map((m) => m.name))}`;
  return rows.length === migrations.length;
}
