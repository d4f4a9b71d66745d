// The hub app on a test database, for route tests (inject / supertest) and end-to-end tests (listen).
import type { FastifyInstance } from 'fastify';
import { afterAll } from 'vitest';
import { buildApp } from '../../server/app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_BASE_URL = 'http://hub.test';

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
}

export async function createTestApp(overrides: { maxBodyBytes?: number; maxBundleEntries?: number; baseUrl?: string } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const app = await buildApp(
    {
      baseUrl: overrides.baseUrl ?? TEST_BASE_URL,
      maxBodyBytes: overrides.maxBodyBytes ?? 10 * 1024 * 1024,
      maxBundleEntries: overrides.maxBundleEntries ?? 10000,
      logLevel: 'silent',
    },
    db.sql,
  );
  await app.ready();
  afterAll(() => app.close());
  return { app, db };
}
