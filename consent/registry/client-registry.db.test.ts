// The client registry on a real database: migration 0006, upserts with their outcome, secrets kept as scrypt
// hashes only, the cache and its invalidation, and the CHECK constraints that hold the rules in SQL.
import { describe, expect, it } from 'vitest';
import type { HubError } from '../../server/errors.js';
import { createTestDatabase } from '../../test/support/database.js';
import { ClientRegistry } from './client-registry.js';
import { IDENTIFIER_SYSTEMS } from './client-validation.js';
import type { RegisteredClient } from './registered-client.js';

const { sql } = await createTestDatabase();
const SECRET = 'Zt4kq-9vXw2Lm7Rp0bNc5Hy8JdF3sAe6GuV1';

let counter = 0;
function pgo(extra: Partial<RegisteredClient> = {}): RegisteredClient {
  counter++;
  return {
    clientId: `pgo${counter}.example.nl`,
    name: `PGO ${counter}`,
    kind: 'pgo',
    redirectUris: [`https://pgo${counter}.example.nl/callback`],
    publicClient: false,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: {
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
          kid: 'k1',
        },
      ],
    },
    dataServices: ['basisgegevens'],
    active: true,
    ...extra,
  };
}

function ehr(extra: Partial<RegisteredClient> = {}): RegisteredClient {
  counter++;
  return {
    clientId: `ehr-${counter}`,
    name: `EHR ${counter}`,
    kind: 'system',
    role: 'care-provider',
    organization: { system: IDENTIFIER_SYSTEMS.ura, value: '12345678' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['system/DeviceRequest.crus'],
    active: true,
    ...extra,
  };
}

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    return error as HubError;
  }
  throw new Error('the write was accepted');
}

describe('migration 0006_oauth_clients.sql', () => {
  it('is applied in the template every test database is cloned from', async () => {
    const rows = await sql<
      { name: string }[]
    >`SELECT name FROM schema_migrations WHERE name = '0006_oauth_clients.sql'`;
    expect(rows).toHaveLength(1);
  });
});

describe('ClientRegistry', () => {
  const registry = new ClientRegistry(sql);

  it('adds a client and reads it back with hasSecret and time stamps', async () => {
    const client = pgo();
    const { outcome, client: stored } = await registry.put(client);
    expect(outcome).toBe('added');
    expect(stored).toEqual({
      ...client,
      hasSecret: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await registry.get(client.clientId)).toEqual(stored);
  });

  it('answers undefined for a client id nobody registered', async () => {
    expect(await registry.get('nobody.example.nl')).toBeUndefined();
  });

  it('leaves an unchanged client unwritten, even when jsonb reorders its keys', async () => {
    const client = pgo();
    const first = await registry.put(client);
    const again = await registry.put(structuredClone(client));
    expect(again.outcome).toBe('unchanged');
    expect(again.client.updatedAt).toBe(first.client.updatedAt);
  });

  it('replaces every field on update and moves updatedAt', async () => {
    const client = pgo();
    const first = await registry.put(client);
    const changed = {
      ...client,
      name: 'Nieuwe naam',
      dataServices: ['zorgplan', 'leveringen'],
      jwks: undefined,
      jwksUri: 'https://x.example.nl/jwks',
    };
    const { outcome, client: stored } = await registry.put(changed);
    expect(outcome).toBe('updated');
    expect(stored).toMatchObject({
      name: 'Nieuwe naam',
      dataServices: ['zorgplan', 'leveringen'],
      jwksUri: 'https://x.example.nl/jwks',
    });
    expect(stored.jwks).toBeUndefined();
    expect(stored.createdAt).toBe(first.client.createdAt);
    expect(stored.updatedAt >= first.client.updatedAt).toBe(true);
  });

  it('lists every client by client id', async () => {
    const ids = (await registry.list()).map((client) => client.clientId);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual([...ids].sort());
  });

  it('refuses an invalid client with HUB_ERR_REGISTRY_INVALID_CLIENT and one issue per problem, and stores nothing', async () => {
    const client = pgo({ redirectUris: ['http://pgo.example.nl/cb'], dataServices: ['medicatie'] });
    const error = await refusal(registry.put(client));
    expect(error.code).toBe('HUB_ERR_REGISTRY_INVALID_CLIENT');
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(
      /^OAuth client "pgo\d+\.example\.nl" is not valid: redirectUris\[0\]: a redirect URI .* must use https/,
    );
    expect(error.issues?.map((issue) => issue.expression?.[0])).toEqual(['redirectUris[0]', 'dataServices[0]']);
    expect(await registry.get(client.clientId)).toBeUndefined();
  });

  it('refuses http loopback redirect URIs when told to', async () => {
    const strict = new ClientRegistry(sql, { allowHttpLoopback: false });
    const error = await refusal(strict.put(pgo({ redirectUris: ['http://127.0.0.1:3000/cb'] })));
    expect(error.issues?.[0].diagnostics).toMatch(/accepts https only/);
  });

  it('deletes a client, and says false for one that was not there', async () => {
    const client = pgo();
    await registry.put(client);
    expect(await registry.delete(client.clientId)).toBe(true);
    expect(await registry.get(client.clientId)).toBeUndefined();
    expect(await registry.delete(client.clientId)).toBe(false);
  });

  it('renames a client and keeps everything else', async () => {
    const client = pgo();
    await registry.put(client);
    expect(await registry.rename(client.clientId, 'Andere naam')).toBe(true);
    expect(await registry.get(client.clientId)).toMatchObject({ ...client, name: 'Andere naam' });
    expect(await registry.rename('nobody.example.nl', 'X')).toBe(false);
  });
});

describe('ClientRegistry secrets', () => {
  const registry = new ClientRegistry(sql);

  it('stores a secret as an scrypt hash only, and never answers with it', async () => {
    const client = ehr();
    const { client: stored } = await registry.put(client, { secret: SECRET });
    expect(stored.hasSecret).toBe(true);
    expect(JSON.stringify(stored)).not.toMatch(/scrypt|Zt4kq/);
    const [row] = await sql<
      { client_secret_hash: string }[]
    >`SELECT client_secret_hash FROM oauth_clients WHERE client_id = ${client.clientId}`;
    expect(row.client_secret_hash).toMatch(/^scrypt\$/);
    expect(row.client_secret_hash).not.toContain(SECRET);
  });

  it('verifies the right secret and refuses a wrong one', async () => {
    const client = ehr();
    await registry.put(client, { secret: SECRET });
    expect(await registry.verifySecret(client.clientId, SECRET)).toBe(true);
    expect(await registry.verifySecret(client.clientId, `${SECRET}!`)).toBe(false);
    expect(await registry.verifySecret(client.clientId, '')).toBe(false);
  });

  it('refuses every secret for an unknown client, an inactive one, or one of another method', async () => {
    const inactive = ehr({ active: false });
    await registry.put(inactive, { secret: SECRET });
    const keys = pgo();
    await registry.put(keys);
    expect(await registry.verifySecret('nobody', SECRET)).toBe(false);
    expect(await registry.verifySecret(inactive.clientId, SECRET)).toBe(false);
    expect(await registry.verifySecret(keys.clientId, SECRET)).toBe(false);
  });

  it('keeps the stored secret when a client_secret_basic client is written without one', async () => {
    const client = ehr();
    await registry.put(client, { secret: SECRET });
    const { outcome } = await registry.put({ ...client, name: 'Hernoemd' });
    expect(outcome).toBe('updated');
    expect(await registry.verifySecret(client.clientId, SECRET)).toBe(true);
  });

  it('replaces the secret when a new one is given, and counts the same one again as unchanged', async () => {
    const client = ehr();
    await registry.put(client, { secret: SECRET });
    expect((await registry.put(client, { secret: SECRET })).outcome).toBe('unchanged');
    const next = `${SECRET.slice(1)}Q`;
    expect((await registry.put(client, { secret: next })).outcome).toBe('updated');
    expect(await registry.verifySecret(client.clientId, SECRET)).toBe(false);
    expect(await registry.verifySecret(client.clientId, next)).toBe(true);
  });

  it('drops the secret when the client changes to private_key_jwt', async () => {
    const client = ehr();
    await registry.put(client, { secret: SECRET });
    const { client: stored } = await registry.put({
      ...client,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwksUri: 'https://ehr.example.nl/jwks',
    });
    expect(stored.hasSecret).toBe(false);
    const [row] = await sql`SELECT client_secret_hash FROM oauth_clients WHERE client_id = ${client.clientId}`;
    expect(row.client_secret_hash).toBeNull();
  });

  it('refuses a new client_secret_basic client without a secret, and a short secret', async () => {
    expect((await refusal(registry.put(ehr()))).issues?.[0]).toMatchObject({
      expression: ['secret'],
      diagnostics: expect.stringMatching(/needs a secret/),
    });
    expect((await refusal(registry.put(ehr(), { secret: 'kort' }))).issues?.[0].diagnostics).toMatch(
      /32 to 512 printable ASCII characters/,
    );
  });
});

describe('ClientRegistry cache', () => {
  it('serves get() from the cache until the time to live has passed', async () => {
    let now = 0;
    const registry = new ClientRegistry(sql, { cacheTtlMs: 1000, now: () => now });
    const client = pgo();
    await registry.put(client);
    await registry.get(client.clientId);
    await sql`UPDATE oauth_clients SET name = 'Elders gewijzigd' WHERE client_id = ${client.clientId}`;
    expect((await registry.get(client.clientId))?.name).toBe(client.name);
    now = 1001;
    expect((await registry.get(client.clientId))?.name).toBe('Elders gewijzigd');
  });

  it('forgets a client when this registry writes or deletes it', async () => {
    const registry = new ClientRegistry(sql, { cacheTtlMs: 60_000 });
    const client = pgo();
    expect(await registry.get(client.clientId)).toBeUndefined();
    await registry.put(client);
    expect((await registry.get(client.clientId))?.name).toBe(client.name);
    await registry.put({ ...client, active: false });
    expect((await registry.get(client.clientId))?.active).toBe(false);
    await registry.rename(client.clientId, 'Nieuw');
    expect((await registry.get(client.clientId))?.name).toBe('Nieuw');
    await registry.delete(client.clientId);
    expect(await registry.get(client.clientId)).toBeUndefined();
  });

  it('hands out frozen clients, so no caller can change the cached copy', async () => {
    const registry = new ClientRegistry(sql);
    const client = pgo();
    await registry.put(client);
    const cached = (await registry.get(client.clientId))!;
    expect(() => cached.redirectUris.push('https://evil.example/cb')).toThrow(TypeError);
    expect(() => {
      (cached as { active: boolean }).active = false;
    }).toThrow(TypeError);
  });

  it('keeps at most cacheSize entries', async () => {
    const registry = new ClientRegistry(sql, { cacheSize: 2, cacheTtlMs: 60_000 });
    const [a, b, c] = [pgo(), pgo(), pgo()];
    for (const client of [a, b, c]) {
      await registry.put(client);
      await registry.get(client.clientId);
    }
    await sql`UPDATE oauth_clients SET name = 'Vers' WHERE client_id IN ${sql([a.clientId, c.clientId])}`;
    expect((await registry.get(a.clientId))?.name).toBe('Vers'); // evicted: read again
    expect((await registry.get(c.clientId))?.name).toBe(c.name); // still cached
  });
});

describe('oauth_clients CHECK constraints', () => {
  const base = {
    kind: 'pgo',
    role: null,
    organization_system: null,
    organization_value: null,
    name: 'X',
    redirect_uris: ['https://x.example/cb'],
    public_client: false,
    token_endpoint_auth_method: 'private_key_jwt',
    client_secret_hash: null,
    jwks: null,
    jwks_uri: 'https://x.example/jwks',
    data_services: [],
    active: true,
  };
  const system = {
    ...base,
    kind: 'system',
    role: 'supplier',
    organization_system: IDENTIFIER_SYSTEMS.gln,
    organization_value: '8712345678906',
    redirect_uris: [],
  };

  async function insert(row: Record<string, unknown>): Promise<string | undefined> {
    counter++;
    const values = { client_id: `check-${counter}`, ...row };
    try {
      await sql`INSERT INTO oauth_clients ${sql(values as unknown as Record<string, never>)}`;
      return undefined;
    } catch (error) {
      return (error as { constraint_name?: string }).constraint_name ?? (error as Error).message;
    }
  }

  it('accepts a valid PGO and a valid system client', async () => {
    expect(await insert(base)).toBeUndefined();
    expect(await insert(system)).toBeUndefined();
  });

  it('accepts an inactive private_key_jwt client without keys (a MedMij import waiting for them)', async () => {
    expect(await insert({ ...base, jwks_uri: null, active: false })).toBeUndefined();
  });

  it.each([
    ['a system client without a role', { ...system, role: null }, 'oauth_clients_system_has_role_and_organization'],
    [
      'a system client without an organisation',
      { ...system, organization_system: null, organization_value: null },
      'oauth_clients_system_has_role_and_organization',
    ],
    ['a PGO with a role', { ...base, role: 'admin' }, 'oauth_clients_pgo_has_no_role'],
    ['a PGO without redirect URIs', { ...base, redirect_uris: [] }, 'oauth_clients_pgo_has_redirect_uri'],
    ['a public client that authenticates', { ...base, public_client: true }, 'oauth_clients_public_uses_none'],
    [
      'a confidential client with method none',
      { ...base, token_endpoint_auth_method: 'none', jwks_uri: null },
      'oauth_clients_public_uses_none',
    ],
    [
      'a public system client',
      { ...system, public_client: true, token_endpoint_auth_method: 'none', jwks_uri: null },
      'oauth_clients_system_is_confidential',
    ],
    [
      'client_secret_basic without a hash',
      { ...system, token_endpoint_auth_method: 'client_secret_basic', jwks_uri: null },
      'oauth_clients_secret_basic_has_hash',
    ],
    [
      'a hash for another method',
      { ...base, client_secret_hash: 'scrypt$1$1$1$a$b' },
      'oauth_clients_secret_basic_has_hash',
    ],
    [
      'a secret that is not a hash',
      { ...system, token_endpoint_auth_method: 'client_secret_basic', jwks_uri: null, client_secret_hash: 'geheim' },
      'oauth_clients_client_secret_hash_check',
    ],
    [
      'an active private_key_jwt client without keys',
      { ...base, jwks_uri: null },
      'oauth_clients_private_key_jwt_has_keys',
    ],
    ['jwks that is not a JWK Set', { ...base, jwks: sql.json({ kty: 'EC' }) }, 'oauth_clients_jwks_check'],
    ['an unknown kind', { ...base, kind: 'app' }, 'oauth_clients_kind_check'],
    ['an unknown role', { ...system, role: 'doctor' }, 'oauth_clients_role_check'],
    [
      'an unknown method',
      { ...base, token_endpoint_auth_method: 'tls_client_auth' },
      'oauth_clients_token_endpoint_auth_method_check',
    ],
    [
      'half an organisation',
      { ...base, kind: 'system', role: 'admin', organization_system: IDENTIFIER_SYSTEMS.ura },
      'oauth_clients_system_has_role_and_organization',
    ],
    ['a blank name', { ...base, name: '  ' }, 'oauth_clients_name_check'],
  ])('refuses %s', async (_case, row, constraint) => {
    expect(await insert(row)).toBe(constraint);
  });
});
