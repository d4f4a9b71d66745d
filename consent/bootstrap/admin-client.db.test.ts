// The bootstrap admin client: created with generated credentials in the data folder on first start (mode 0600),
// kept on later starts, renewed when the file is gone or stale or the client was deactivated, and taken from
// configuration (no file) when HUB_ADMIN_CLIENT_SECRET is set.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/database.js';
import { ClientRegistry } from '../registry/client-registry.js';
import { adminClient, ensureAdminClient } from './admin-client.js';
import { adminCredentialsPath, readAdminCredentials } from './admin-credentials.js';

const { sql } = await createTestDatabase();
const log = pino({ level: 'silent' });
const BASE = 'https://hub.example.org';

function fresh(clientId = `admin-${Math.random().toString(36).slice(2, 8)}`) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-bootstrap-'));
  const registry = new ClientRegistry(sql, { cacheTtlMs: 0 });
  const start = (secret?: string, baseUrl = BASE) =>
    ensureAdminClient({ registry, settings: { clientId, secret }, dataDir, baseUrl, providerName: 'zorghub', log });
  return { dataDir, registry, clientId, start };
}

describe('the bootstrap admin client', () => {
  it('is created on first start with credentials in the data folder, readable by its owner only', async () => {
    const { dataDir, registry, clientId, start } = fresh();
    expect(await start()).toEqual({ source: 'file', file: adminCredentialsPath(dataDir), created: true });
    expect(statSync(adminCredentialsPath(dataDir)).mode & 0o777).toBe(0o600);
    const credentials = (await readAdminCredentials(dataDir))!;
    expect(credentials).toMatchObject({ client_id: clientId, token_endpoint: `${BASE}/oauth/token` });
    expect(credentials.client_secret.length).toBeGreaterThanOrEqual(32);
    expect(await registry.verifySecret(clientId, credentials.client_secret)).toBe(true);
    expect(await registry.get(clientId)).toMatchObject({
      kind: 'system',
      role: 'admin',
      active: true,
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
  });

  it('keeps its credentials on later starts', async () => {
    const { dataDir, start } = fresh();
    await start();
    const first = readFileSync(adminCredentialsPath(dataDir), 'utf8');
    expect(await start()).toMatchObject({ created: false });
    expect(readFileSync(adminCredentialsPath(dataDir), 'utf8')).toBe(first);
  });

  it('keeps its secret but writes the new token endpoint when the hub starts on another address', async () => {
    const { dataDir, registry, clientId, start } = fresh();
    await start();
    const before = (await readAdminCredentials(dataDir))!;
    expect(await start(undefined, 'http://127.0.0.1:9090')).toMatchObject({ created: false });
    const after = (await readAdminCredentials(dataDir))!;
    expect(after).toEqual({ ...before, token_endpoint: 'http://127.0.0.1:9090/oauth/token' });
    expect(statSync(adminCredentialsPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(await registry.verifySecret(clientId, after.client_secret)).toBe(true);
  });

  it('gets new credentials when the file is gone or no longer matches the registry', async () => {
    const { dataDir, registry, clientId, start } = fresh();
    await start();
    const { client_secret: old } = (await readAdminCredentials(dataDir))!;
    rmSync(adminCredentialsPath(dataDir));
    expect(await start()).toMatchObject({ created: true });
    const renewed = (await readAdminCredentials(dataDir))!;
    expect(renewed.client_secret).not.toBe(old);
    expect(await registry.verifySecret(clientId, old)).toBe(false);
    writeFileSync(adminCredentialsPath(dataDir), JSON.stringify({ ...renewed, client_secret: 'x'.repeat(40) }));
    expect(await start()).toMatchObject({ created: true });
    expect(await registry.verifySecret(clientId, (await readAdminCredentials(dataDir))!.client_secret)).toBe(true);
  });

  it('is re-activated, with new credentials, when someone deactivated it', async () => {
    const { dataDir, registry, clientId, start } = fresh();
    await start();
    await registry.put({ ...adminClient(clientId, 'zorghub'), active: false });
    expect(await start()).toMatchObject({ created: true });
    expect((await registry.get(clientId))?.active).toBe(true);
    expect(await registry.verifySecret(clientId, (await readAdminCredentials(dataDir))!.client_secret)).toBe(true);
  });

  it('takes the configured secret and writes no file', async () => {
    const { dataDir, registry, clientId, start } = fresh();
    const secret = 'configured-admin-secret-0123456789-abcdef';
    expect(await start(secret)).toEqual({ source: 'configuration' });
    expect(await readAdminCredentials(dataDir)).toBeUndefined();
    expect(await registry.verifySecret(clientId, secret)).toBe(true);
  });

  it('refuses to read a file that is not an admin credentials file', async () => {
    const { dataDir } = fresh();
    writeFileSync(adminCredentialsPath(dataDir), JSON.stringify({ client_id: 'x' }));
    await expect(readAdminCredentials(dataDir)).rejects.toThrow('is not an admin credentials file');
  });
});
