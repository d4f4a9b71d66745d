// A fresh, migrated database for one test file: cloned from the template the global setup prepared, dropped after.
import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { afterAll, inject } from 'vitest';
import { closeSearchPools, openPool, openSearchPools, type SearchPools } from '../../server/db/connect.js';

export interface TestDatabase {
  url: string;
  sql: Sql;
  /** The search pools, as the hub opens them. */
  searchPools: SearchPools;
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
  const searchPools = openSearchPools(url.toString(), 8);
  afterAll(async () => {
    await Promise.all([sql.end({ timeout: 5 }), closeSearchPools(searchPools)]);
    const cleanup = openPool(adminUrl, 1);
    try {
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await cleanup.end();
    }
  });
  return { url: url.toString(), sql, searchPools };
}
