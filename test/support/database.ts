// A fresh, migrated database for one test file: cloned from the template the global setup prepared, dropped after.
import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { afterAll, inject } from 'vitest';
import { openPool } from '../../server/db/connect.js';

export interface TestDatabase {
  url: string;
  sql: Sql;
  /** The search pool, as the hub opens it (valuePlans). */
  searchSql: Sql;
}

export async function createTestDatabase(poolSize = 10): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const template = inject('templateDatabase');
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  const admin = openPool(adminUrl, 1);
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = openPool(url.toString(), poolSize);
  const searchSql = openPool(url.toString(), 4, { valuePlans: true });
  afterAll(async () => {
    await Promise.all([sql.end({ timeout: 5 }), searchSql.end({ timeout: 5 })]);
    const cleanup = openPool(adminUrl, 1);
    try {
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await cleanup.end();
    }
  });
  return { url: url.toString(), sql, searchSql };
}
