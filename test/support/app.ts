// The hub app on a test database, for route tests (inject / supertest) and end-to-end tests (listen).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll } from 'vitest';
import { type AppConfig, buildApp } from '../../server/app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_BASE_URL = 'http://hub.test';

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
}

/**
 * Profiles are off unless asked for: most tests exercise the FHIR core with plain R4 resources (the R4 examples);
 * the profile tests turn enforcement on (`requiredProfiles: 'all'`), as the hub's default configuration does.
 */
export async function createTestApp(
  overrides: { maxBodyBytes?: number; maxBundleEntries?: number; baseUrl?: string } & Partial<Pick<AppConfig, 'requiredProfiles' | 'profilePackages'>> = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const app = await buildApp(
    {
      baseUrl: overrides.baseUrl ?? TEST_BASE_URL,
      maxBodyBytes: overrides.maxBodyBytes ?? 10 * 1024 * 1024,
      maxBundleEntries: overrides.maxBundleEntries ?? 10000,
      logLevel: 'silent',
      requiredProfiles: overrides.requiredProfiles ?? 'none',
      profilePackages: overrides.profilePackages,
    },
    db.sql,
    db.searchSql,
  );
  await app.ready();
  afterAll(() => app.close());
  return { app, db };
}

/** The hub listening on a free loopback port, for clients that speak real HTTP. */
/** `auth`: the authorization server too (consent/), with its keys in a fresh temporary data folder. */
export async function startTestServer(options: Partial<Pick<AppConfig, 'requiredProfiles' | 'auth'>> = {}): Promise<TestApp & { baseUrl: string }> {
  const db = await createTestDatabase();
  const probe = await buildApp({ baseUrl: TEST_BASE_URL, maxBodyBytes: 10 * 1024 * 1024, maxBundleEntries: 10000, logLevel: 'silent', requiredProfiles: 'none' }, db.sql);
  // The base URL must name the real port, which is known only after listening: listen, read it, rebuild.
  await probe.listen({ port: 0, host: '127.0.0.1' });
  const port = (probe.server.address() as { port: number }).port;
  await probe.close();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = { baseUrl, maxBodyBytes: 10 * 1024 * 1024, maxBundleEntries: 10000, logLevel: 'silent' as const };
  const dataDir = options.auth ? mkdtempSync(path.join(os.tmpdir(), 'zorghub-test-')) : undefined;
  const app = await buildApp({ ...config, requiredProfiles: options.requiredProfiles ?? 'none', auth: options.auth, dataDir }, db.sql, db.searchSql);
  await app.listen({ port, host: '127.0.0.1' });
  afterAll(() => app.close());
  return { app, db, baseUrl };
}
