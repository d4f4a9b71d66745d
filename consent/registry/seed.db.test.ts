// Clients from a seed file: upserted idempotently, secrets from the environment (or inline), and a bad file that
// changes nothing and names every problem.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config.js';
import { createTestDatabase } from '../../test/support/database.js';
import { ClientRegistry } from './client-registry.js';
import { IDENTIFIER_SYSTEMS } from './client-validation.js';
import { seedClients, type SeedLogger } from './seed.js';

const { sql } = await createTestDatabase();
const registry = new ClientRegistry(sql);
const dir = mkdtempSync(path.join(os.tmpdir(), 'zorghub-seed-'));
const ENV_SECRET = 'env-secret-0123456789-abcdefghijklmnop';
const INLINE_SECRET = 'inline-secret-0123456789-abcdefghijklm';

let files = 0;
function seedFile(content: unknown): string {
  const file = path.join(dir, `clients-${++files}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function ehr(clientId: string, extra: Record<string, unknown> = {}) {
  return {
    clientId,
    name: 'ECD Thuiszorg',
    kind: 'system',
    role: 'care-provider',
    organization: { system: IDENTIFIER_SYSTEMS.agb, value: '01234567' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['system/*.read'],
    active: true,
    ...extra,
  };
}

function pgo(clientId: string) {
  return {
    clientId,
    name: 'Mijn PGO',
    kind: 'pgo',
    redirectUris: [`https://${clientId}/callback`],
    publicClient: true,
    tokenEndpointAuthMethod: 'none',
    dataServices: ['basisgegevens', 'leveringen'],
    active: true,
  };
}

function recordingLogger(): SeedLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (object, message) => lines.push(`${message} ${JSON.stringify(object)}`),
    warn: (object, message) => lines.push(`${message} ${JSON.stringify(object)}`),
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the seed was accepted');
}

describe('seedClients', () => {
  it('adds every client, then finds them unchanged on the next start', async () => {
    const file = seedFile({ clients: [ehr('seed-ehr-1', { secretEnv: 'SEED_SECRET' }), pgo('seed1.pgo.example.nl')] });
    const env = { SEED_SECRET: ENV_SECRET };
    expect(await seedClients(registry, file, { env })).toEqual({
      added: ['seed-ehr-1', 'seed1.pgo.example.nl'],
      updated: [],
      unchanged: [],
    });
    expect(await seedClients(registry, file, { env })).toEqual({
      added: [],
      updated: [],
      unchanged: ['seed-ehr-1', 'seed1.pgo.example.nl'],
    });
    expect(await registry.verifySecret('seed-ehr-1', ENV_SECRET)).toBe(true);
  });

  it('updates a client whose entry changed', async () => {
    const env = { SEED_SECRET: ENV_SECRET };
    await seedClients(registry, seedFile({ clients: [ehr('seed-ehr-2', { secretEnv: 'SEED_SECRET' })] }), { env });
    const report = await seedClients(
      registry,
      seedFile({ clients: [ehr('seed-ehr-2', { secretEnv: 'SEED_SECRET', name: 'ECD Wijkzorg' })] }),
      { env },
    );
    expect(report.updated).toEqual(['seed-ehr-2']);
    expect((await registry.get('seed-ehr-2'))?.name).toBe('ECD Wijkzorg');
  });

  it('prefers the environment variable to an inline secret', async () => {
    const file = seedFile({ clients: [ehr('seed-ehr-3', { secretEnv: 'SEED_SECRET', secret: INLINE_SECRET })] });
    await seedClients(registry, file, { env: { SEED_SECRET: ENV_SECRET } });
    expect(await registry.verifySecret('seed-ehr-3', ENV_SECRET)).toBe(true);
    expect(await registry.verifySecret('seed-ehr-3', INLINE_SECRET)).toBe(false);
  });

  it('uses an inline secret when no variable is set, with a warning that holds no secret', async () => {
    const log = recordingLogger();
    await seedClients(registry, seedFile({ clients: [ehr('seed-ehr-4', { secret: INLINE_SECRET })] }), {
      env: {},
      log,
    });
    expect(await registry.verifySecret('seed-ehr-4', INLINE_SECRET)).toBe(true);
    expect(log.lines.join('\n')).toMatch(/inline secret used; prefer secretEnv/);
    expect(log.lines.join('\n')).not.toContain(INLINE_SECRET);
  });

  it('never logs a secret taken from the environment', async () => {
    const log = recordingLogger();
    await seedClients(registry, seedFile({ clients: [ehr('seed-ehr-5', { secretEnv: 'SEED_SECRET' })] }), {
      env: { SEED_SECRET: ENV_SECRET },
      log,
    });
    expect(log.lines).toEqual([expect.stringMatching(/^client seed .*"clientId":"seed-ehr-5".*"outcome":"added"/)]);
    expect(log.lines.join('\n')).not.toContain(ENV_SECRET);
  });

  it('refuses the file when a named variable is not set, writing nothing', async () => {
    const file = seedFile({ clients: [pgo('seed6.pgo.example.nl'), ehr('seed-ehr-6', { secretEnv: 'SEED_MISSING' })] });
    const error = await failure(seedClients(registry, file, { env: {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('clients[1] (seed-ehr-6) secretEnv: environment variable SEED_MISSING is not set');
    expect(await registry.get('seed6.pgo.example.nl')).toBeUndefined();
  });

  it('names every problem of every entry, with its position and client id', async () => {
    const file = seedFile({
      clients: [
        { ...pgo('seed7.pgo.example.nl'), redirectUris: ['http://seed7.pgo.example.nl/cb'] },
        ehr('seed-ehr-7', { secret: 'te kort' }),
        pgo('seed7.pgo.example.nl'),
      ],
    });
    const { message } = await failure(seedClients(registry, file, { env: {} }));
    expect(message).toMatch(/^client seed file .*clients-\d+\.json has 3 problem\(s\): /);
    expect(message).toContain(
      'clients[0] (seed7.pgo.example.nl) redirectUris[0]: a redirect URI "http://seed7.pgo.example.nl/cb" must use https',
    );
    expect(message).toContain('clients[1] (seed-ehr-7) secret: a secret is 32 to 512 printable ASCII characters');
    expect(message).toContain('clients: client id "seed7.pgo.example.nl" is given twice');
    expect(message).not.toContain('te kort');
  });

  it.each([
    ['not JSON', '{ clients: ', /is not valid JSON/],
    ['no clients list', { client: [] }, /must be a JSON object with one field, "clients"/],
    ['a list at the top', [], /must be a JSON object with one field, "clients"/],
  ])('refuses a file that is %s', async (_case, content, message) => {
    expect((await failure(seedClients(registry, seedFile(content)))).message).toMatch(message);
  });

  it('refuses a file it cannot read', async () => {
    expect((await failure(seedClients(registry, path.join(dir, 'missing.json')))).message).toMatch(/cannot be read/);
  });
});
