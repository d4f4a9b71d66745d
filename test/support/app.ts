// The hub app on a test database, for route tests (inject) and end-to-end tests (listen). Authentication is always
// on, as in production: each test hub has its own data folder, where it writes its bootstrap admin client's
// credentials on start (consent/bootstrap/), and the tests get their token the way `npm run token` does, by
// client_credentials at /oauth/token.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll } from 'vitest';
import { readAdminCredentials } from '../../consent/bootstrap/admin-credentials.js';
import {
  ClientCredentialsTokens,
  fetchTransport,
  type TokenTransport,
} from '../../consent/bootstrap/client-credentials-tokens.js';
import { type AppConfig, buildApp } from '../../server/app.js';
import type { AuthConfig } from '../../server/config.js';
import { closeSearchPools, openSearchPools } from '../../server/db/connect.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_BASE_URL = 'http://hub.test';

export interface TestApp {
  /**
   * The hub as its bootstrap admin client calls it: inject() sends the admin's bearer token, unless the request
   * sets an authorization header of its own. `anonymous` is the same hub without credentials.
   */
  app: FastifyInstance;
  anonymous: FastifyInstance;
  db: TestDatabase;
  dataDir: string;
  /** A current access token of the bootstrap admin client. */
  adminToken(): Promise<string>;
}

type TestOptions = {
  maxBodyBytes?: number;
  maxBundleEntries?: number;
  baseUrl?: string;
  /** Settings of the authorization server, over the tests' defaults (provider zorghub, no development login). */
  auth?: Partial<AuthConfig>;
  /** The search pools' statement timeout (HUB_SEARCH_TIMEOUT_MS), on pools of this app's own. */
  searchTimeoutMs?: number;
} & Partial<Pick<AppConfig, 'requiredProfiles' | 'profilePackages'>>;

function testAuthConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return { providerName: 'zorghub', devLoginBsns: [], admin: { clientId: 'hub-admin' }, ...overrides };
}

function testConfig(baseUrl: string, options: TestOptions): AppConfig {
  return {
    baseUrl,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    maxBundleEntries: options.maxBundleEntries ?? 10000,
    logLevel: 'silent',
    // Profiles are off unless asked for: most tests exercise the FHIR core with plain R4 resources (the R4
    // examples); the profile tests turn enforcement on (`requiredProfiles: 'all'`), as the hub's default does.
    requiredProfiles: options.requiredProfiles ?? 'none',
    profilePackages: options.profilePackages,
    auth: testAuthConfig(options.auth),
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'zorghub-test-')),
  };
}

async function adminTokens(
  dataDir: string,
  transport: (endpoint: string) => TokenTransport,
): Promise<ClientCredentialsTokens> {
  const credentials = await readAdminCredentials(dataDir);
  if (!credentials) {
    throw new Error(`the test hub wrote no admin credentials into ${dataDir}`);
  }
  return new ClientCredentialsTokens(credentials, transport(credentials.token_endpoint));
}

function injectTransport(app: FastifyInstance): TokenTransport {
  return async (form, authorization) => {
    const response = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    return { status: response.statusCode, body: response.body };
  };
}

/** The app, with inject() sending the token unless the request brings its own authorization header. */
function withToken(app: FastifyInstance, tokens: ClientCredentialsTokens): FastifyInstance {
  const inject = async (options: InjectOptions) => {
    const headers = { ...(options.headers ?? {}) } as Record<string, string>;
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
      headers.authorization = `Bearer ${await tokens.token()}`;
    }
    return app.inject({ ...options, headers });
  };
  return new Proxy(app, {
    get: (target, property) => (property === 'inject' ? inject : Reflect.get(target, property, target)),
  });
}

export async function createTestApp(options: TestOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = testConfig(options.baseUrl ?? TEST_BASE_URL, options);
  const searchPools = options.searchTimeoutMs ? openSearchPools(db.url, 8, options.searchTimeoutMs) : db.searchPools;
  const app = await buildApp(config, db.sql, searchPools);
  await app.ready();
  afterAll(async () => {
    await app.close();
    if (searchPools !== db.searchPools) await closeSearchPools(searchPools);
  });
  const tokens = await adminTokens(config.dataDir, () => injectTransport(app));
  return { app: withToken(app, tokens), anonymous: app, db, dataDir: config.dataDir, adminToken: () => tokens.token() };
}

export interface TestServer extends TestApp {
  baseUrl: string;
  /** `{ authorization: 'Bearer <admin token>' }`, for fetch. */
  adminHeaders(): Promise<Record<string, string>>;
}

/** The hub listening on a free loopback port, for clients that speak real HTTP. */
export async function startTestServer(options: Omit<TestOptions, 'baseUrl'> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  // The base URL must name the real port, which is known only after listening: listen on a free port, read it,
  // close, and listen again on that port with the app built for it.
  const probe = (await import('node:net')).createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = testConfig(baseUrl, options);
  const app = await buildApp(config, db.sql, db.searchPools);
  await app.listen({ port, host: '127.0.0.1' });
  afterAll(() => app.close());
  const tokens = await adminTokens(config.dataDir, fetchTransport);
  return {
    app: withToken(app, tokens),
    anonymous: app,
    db,
    dataDir: config.dataDir,
    baseUrl,
    adminToken: () => tokens.token(),
    adminHeaders: async () => ({ authorization: `Bearer ${await tokens.token()}` }),
  };
}
