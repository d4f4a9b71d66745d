// System clients (SMART Backend Services style): client_credentials with a private_key_jwt assertion signed by
// the client's own key, the token used on the registry's admin API, and the refusals: a replayed assertion, a
// wrong audience, a key the client did not register, a non-admin role on the admin API, no token at all.
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { startTestServer } from '../support/app.js';
import type { TokenAnswer } from '../support/token-answer.js';

const { baseUrl, db } = await startTestServer({ auth: { providerName: 'zorghub', devLoginBsns: [] } });

function clientKey(kid: string) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const admin = clientKey('admin-key-1');
const logistics = clientKey('logistics-key-1');
const stranger = clientKey('admin-key-1');

function assertion(clientId: string, key: ReturnType<typeof clientKey>, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.jwk.kid })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({
      iss: clientId,
      sub: clientId,
      aud: `${baseUrl}/oauth/token`,
      exp: now + 120,
      iat: now,
      jti: randomBytes(16).toString('hex'),
      ...claims,
    }),
  ).toString('base64url');
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(key.privateKey).toString('base64url')}`;
}

async function token(clientAssertion: string, scope?: string) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
    ...(scope ? { scope } : {}),
  });
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: (await res.json()) as TokenAnswer };
}

beforeAll(async () => {
  const registry = new ClientRegistry(db.sql);
  const system = {
    kind: 'system' as const,
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'private_key_jwt' as const,
    active: true,
  };
  await registry.put({
    ...system,
    clientId: 'beheer-jwt',
    name: 'Beheer',
    role: 'admin',
    organization: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '12345678' },
    jwks: { keys: [admin.jwk] },
    dataServices: ['system/*.*'],
  } as never);
  await registry.put({
    ...system,
    clientId: 'snel-transport',
    name: 'Snel Transport',
    role: 'logistics',
    organization: { system: 'https://www.gs1.org/gln', value: '8712345000004' },
    jwks: { keys: [logistics.jwk] },
    dataServices: ['system/SupplyRequest.read'],
  } as never);
});

describe('system clients', () => {
  it('get a token with client_credentials and private_key_jwt, and an admin token opens the admin API', async () => {
    const issued = await token(assertion('beheer-jwt', admin));
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const list = await fetch(`${baseUrl}/admin/clients`, {
      headers: { authorization: `Bearer ${issued.body.access_token}` },
    });
    expect(list.status).toBe(200);
    const body = JSON.stringify(await list.json());
    expect(body).toContain('snel-transport');
    // No secret nor its hash: the bootstrap admin has one (client_secret_basic), and only its existence shows.
    expect(body).toContain('"hasSecret":true');
    expect(body).not.toMatch(/client_secret\b|secret_hash|scrypt/);
    const bootstrap = JSON.parse(body).clients.find((client: { clientId: string }) => client.clientId === 'hub-admin');
    expect(Object.keys(bootstrap)).not.toContain('secret');
  });

  it('keep the admin API closed to other roles and to callers without a token', async () => {
    const issued = await token(assertion('snel-transport', logistics));
    expect(issued.status).toBe(200);
    expect(
      (await fetch(`${baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${issued.body.access_token}` } }))
        .status,
    ).toBe(403);
    expect((await fetch(`${baseUrl}/admin/clients`)).status).toBe(401);
  });

  it('refuse a replayed assertion, a wrong audience, a foreign key, and a scope the client is not registered for', async () => {
    const once = assertion('snel-transport', logistics);
    expect((await token(once)).status).toBe(200);
    const replay = await token(once);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');
    expect(
      (await token(assertion('snel-transport', logistics, { aud: 'https://elsewhere.example/token' }))).body.error,
    ).toBe('invalid_client');
    expect((await token(assertion('beheer-jwt', stranger))).body.error).toBe('invalid_client');
    expect((await token(assertion('snel-transport', logistics), 'system/Patient.read')).body.error).toBe(
      'invalid_scope',
    );
  });
});
