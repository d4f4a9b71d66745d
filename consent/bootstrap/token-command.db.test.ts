// `npm run token` finds the hub where the hub said it is: the token endpoint in HUB_DATA_DIR/admin-client.json,
// which the hub writes with its own base URL. Without the file (HUB_ADMIN_CLIENT_SECRET set) it falls back to the
// configuration (HUB_BASE_URL, or HUB_HOST and HUB_PORT); --url overrides both. Here the command runs as its own
// process against a test hub on a free port, with HUB_PORT pointing at a port where nothing listens.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../test/support/app.js';
import { ClientRegistry } from '../registry/client-registry.js';
import { readAdminCredentials } from './admin-credentials.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NOBODY = '1'; // a port where no hub listens: only a command that ignores the file would go there

const server = await startTestServer();

function tokenCommand(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('HUB_') && key !== 'DATABASE_URL'),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'consent/bootstrap/token-command.ts', ...args],
      { cwd: ROOT, env: { ...clean, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function works(token: string): Promise<number> {
  return (await fetch(`${server.baseUrl}/Patient`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('npm run token', () => {
  it('takes the token endpoint from admin-client.json, not from HUB_PORT', async () => {
    expect((await readAdminCredentials(server.dataDir))?.token_endpoint).toBe(`${server.baseUrl}/oauth/token`);
    const issued = await tokenCommand({ HUB_DATA_DIR: server.dataDir, HUB_PORT: NOBODY });
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    expect(await works(issued.stdout.trim())).toBe(200);
  }, 30_000);

  it("reaches the admin API at the same hub for another client's token", async () => {
    await new ClientRegistry(server.db.sql).put(
      {
        clientId: 'tc-logistics',
        name: 'Logistiek',
        kind: 'system',
        role: 'logistics',
        organization: { system: 'https://www.gs1.org/gln', value: '8712345678906' },
        redirectUris: [],
        publicClient: false,
        tokenEndpointAuthMethod: 'client_secret_basic',
        dataServices: ['leveringen'],
        active: true,
      },
      { secret: 'token-command-secret-0123456789-abcdef' },
    );
    const issued = await tokenCommand({ HUB_DATA_DIR: server.dataDir, HUB_PORT: NOBODY }, ['tc-logistics']);
    expect(issued.stderr).toBe('');
    const claims = JSON.parse(Buffer.from(issued.stdout.trim().split('.')[1], 'base64url').toString()) as {
      client_id: string;
    };
    expect(claims.client_id).toBe('tc-logistics');
  }, 30_000);

  it('lets --url override the file', async () => {
    const issued = await tokenCommand({ HUB_DATA_DIR: server.dataDir }, ['--url', `http://127.0.0.1:${NOBODY}`]);
    expect(issued.code).toBe(1);
    expect(issued.stderr).toMatch(/cannot reach the hub at http:\/\/127\.0\.0\.1:1\b/);
  }, 30_000);

  it('falls back to the configuration when there is no file (HUB_ADMIN_CLIENT_SECRET set), and says where it looked', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'zorghub-token-'));
    const issued = await tokenCommand({
      HUB_DATA_DIR: empty,
      HUB_PORT: NOBODY,
      HUB_ADMIN_CLIENT_SECRET: 'configured-admin-secret-0123456789-abcdef',
    });
    expect(issued.code).toBe(1);
    expect(issued.stderr).toMatch(
      /cannot reach the hub at http:\/\/127\.0\.0\.1:1 \(HUB_BASE_URL, or HUB_HOST and HUB_PORT\)/,
    );
  }, 30_000);
});
