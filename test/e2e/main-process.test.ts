// The hub as an operator runs it: `npm start` (server/main.ts) in its own process, configured by environment.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { freePort } from '../../bench/support/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Hub {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  exited: Promise<number | null>;
}

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('HUB_') && key !== 'DATABASE_URL'),
  );
  return { ...clean, ...env };
}

function startHub(env: Record<string, string>): Hub {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => stdout, errors: () => stderr, exited };
}

/** `npm run token -- ...args` with the hub's environment: the token on stdout, or the refusal on stderr. */
function tokenCommand(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'consent/bootstrap/token-command.ts', ...args],
      { cwd: ROOT, env: cleanEnv(env) },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function waitReady(baseUrl: string, hub: Hub): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (hub.child.exitCode !== null) {
      throw new Error(`hub exited early: ${hub.errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('hub did not become ready');
}

describe('server/main.ts', () => {
  /** What the tests leave to undo when they are all done (hubs to kill, folders to remove), undone last first. */
  const leftovers: (() => void)[] = [];
  afterAll(() => {
    for (const undo of leftovers.reverse()) undo();
  });

  it('stops with exit code 2 and a one-line explanation on a bad setting', async () => {
    const hub = startHub({ HUB_PORT: 'eighty' });
    expect(await hub.exited).toBe(2);
    expect(hub.errors().trim()).toBe(
      'zorghub: configuration error: HUB_PORT="eighty" is not a whole number; expected an integer from 0 to 65535',
    );
  });

  // The hub runs with its profiles enforced (the default): a client needs a BSN, a name, a birth date and an address.
  const client = (bsn: string, family: string) => ({
    resourceType: 'Patient',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }],
    name: [{ family }],
    birthDate: '1950-01-01',
    address: [{ line: ['Dorpsstraat 1'], postalCode: '1234 AB', city: 'Ergens' }],
  });

  it('serves on DATABASE_URL, logs JSON lines with a request id and no identifier values, and drains in-flight requests on SIGTERM', async () => {
    const db = await createTestDatabase(2);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The hub keeps its signing keys in HUB_DATA_DIR: a fresh folder, not the checkout's ./data.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-main-'));
    const env = { DATABASE_URL: db.url, HUB_PORT: String(port), HUB_LOG_LEVEL: 'info', HUB_DATA_DIR: dataDir };
    const hub = startHub(env);
    leftovers.push(() => hub.child.kill('SIGKILL'));
    await waitReady(baseUrl, hub);
    expect(await (await fetch(`${baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });

    // Authentication is on from the first start: no token, no data; the bootstrap admin's credentials are in the
    // data folder, readable by its owner only, and `npm run token` turns them into a token.
    const anonymous = await fetch(`${baseUrl}/Patient`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="zorghub"');
    expect(statSync(path.join(dataDir, 'admin-client.json')).mode & 0o777).toBe(0o600);
    const issued = await tokenCommand(env, []);
    expect(issued, issued.stderr).toMatchObject({ code: 0 });
    const auth = { authorization: `Bearer ${issued.stdout.trim()}` };
    expect((await fetch(`${baseUrl}/Patient`, { headers: auth })).status).toBe(200);

    // A token for another registered system client, through the admin API.
    const logistics = {
      clientId: 'logistiek.example.nl',
      name: 'Logistiek BV',
      kind: 'system',
      role: 'logistics',
      organization: { system: 'https://www.gs1.org/gln', value: '8712345678906' },
      redirectUris: [],
      publicClient: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
      secret: 'logistiek-secret-0123456789-abcdefghijkl',
      dataServices: ['leveringen'],
      active: true,
    };
    const registered = await fetch(`${baseUrl}/admin/clients/${logistics.clientId}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(logistics),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const forLogistics = await tokenCommand(env, [logistics.clientId]);
    expect(forLogistics, forLogistics.stderr).toMatchObject({ code: 0 });
    const claims = JSON.parse(Buffer.from(forLogistics.stdout.trim().split('.')[1], 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      client_id: logistics.clientId,
      role: 'logistics',
      kind: 'system',
      scope: 'leveringen',
    });
    const unknown = await tokenCommand(env, ['niet-geregistreerd']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No OAuth client "niet-geregistreerd" is registered');
    expect(unknown.stdout).toBe('');

    const bsn = '999911120';
    const created = await fetch(`${baseUrl}/Patient`, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/fhir+json',
        'if-none-exist': `identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`,
        'x-request-id': 'trace-abc-1',
      },
      body: JSON.stringify(client(bsn, 'Visser')),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('trace-abc-1');
    await fetch(`${baseUrl}/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`, {
      method: 'DELETE',
      headers: auth,
    });

    // A large transaction in flight when SIGTERM arrives must still complete.
    const entries = Array.from({ length: 4000 }, () => ({
      resource: client('999600011', 'Smit'),
      request: { method: 'POST', url: 'Patient' },
    }));
    const inFlight = fetch(baseUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }),
    });
    // Wait until the hub has the request (it logs "incoming request" before reading the body), plus a margin
    // for the body to arrive, so that SIGTERM lands while the handler runs.
    while (!hub.output().includes('"method":"POST","route":"/"')) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    hub.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await hub.exited).toBe(0);

    const lines = hub
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.reqId === 'trace-abc-1')).toBe(true);
    expect(hub.output()).not.toContain(bsn);
    expect(hub.output()).not.toContain('Visser');
    const { client_secret: secret } = JSON.parse(readFileSync(path.join(dataDir, 'admin-client.json'), 'utf8')) as {
      client_secret: string;
    };
    expect(hub.output()).not.toContain(secret);
    expect(hub.output()).not.toContain(issued.stdout.trim());
  }, 90_000); // it starts the hub and runs npm run token three times: slow on a loaded 2-core machine

  it('starts an embedded PostgreSQL in HUB_DATA_DIR when DATABASE_URL is not set, and stops it on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-main-'));
    leftovers.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const [port, pgPort] = [await freePort(), await freePort()];
    const hub = startHub({
      HUB_DATA_DIR: dataDir,
      HUB_PORT: String(port),
      HUB_EMBEDDED_PG_PORT: String(pgPort),
      HUB_LOG_LEVEL: 'warn',
    });
    leftovers.push(() => hub.child.kill('SIGKILL'));
    await waitReady(`http://127.0.0.1:${port}`, hub);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});
