// Starts one PostgreSQL for the whole test run (embedded, in a temporary folder, on a free port; or the server
// named by DATABASE_URL) and prepares a migrated template database that each test file clones.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/db/embedded.js';
import { openPool } from '../../server/db/connect.js';
import { migrate } from '../../server/storage/pg/migrate.js';
import { freePort } from '../../bench/support/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

export const TEMPLATE = 'hub_test_template';

let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-test-'));
    embedded = await startEmbeddedDatabase({
      dataDir,
      port: await freePort(),
      database: 'postgres',
      ephemeral: true,
      // A throwaway cluster: durability settings off make the suite faster and change no behaviour under test.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    adminUrl = embedded.url;
  }
  const admin = openPool(adminUrl, 2);
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  const template = openPool(templateUrl.toString(), 1);
  try {
    await migrate(template);
  } finally {
    await template.end();
  }
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
