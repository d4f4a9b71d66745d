// Authentication is always on: every FHIR route but /metadata answers 401 with an RFC 6750 challenge to a caller
// without a valid token, and the admin API issues tokens for registered system clients to admins only.
import { describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { fhirRoutes } from '../../server/fhir/routes.js';
import { createTestApp } from '../support/app.js';

const { app, anonymous, db } = await createTestApp();
const registry = new ClientRegistry(db.sql);

const system = (clientId: string, extra: Record<string, unknown> = {}) => ({
  clientId,
  name: clientId,
  kind: 'system' as const,
  role: 'logistics' as const,
  organization: { system: 'https://www.gs1.org/gln', value: '8712345678906' },
  redirectUris: [],
  publicClient: false,
  tokenEndpointAuthMethod: 'client_secret_basic' as const,
  dataServices: ['leveringen', 'system/SupplyRequest.read'],
  active: true,
  ...extra,
});
await registry.put(system('logistiek.test'), { secret: 'logistiek-secret-0123456789-abcdefghijkl' });
await registry.put(system('uit-dienst.test', { active: false }), {
  secret: 'logistiek-secret-0123456789-abcdefghijkl',
});
await registry.put({
  clientId: 'pgo.test',
  name: 'PGO',
  kind: 'pgo',
  redirectUris: ['https://pgo.test/cb'],
  publicClient: true,
  tokenEndpointAuthMethod: 'none',
  dataServices: ['basisgegevens'],
  active: true,
});

/** One concrete URL per FHIR route, with the route's own method. */
function sample(path: string): string {
  return path
    .replace(':resourceType', 'Patient')
    .replace(':id', 'p1')
    .replace(':versionId', '1')
    .replace(':type', 'Coverage');
}

describe('authentication on the FHIR API', () => {
  it.each(fhirRoutes.filter((route) => !route.public).map((route) => [route.method, sample(route.path)] as const))(
    'refuses %s %s without a token: 401, a Bearer challenge and an OperationOutcome',
    async (method, url) => {
      const response = await anonymous.inject({
        method,
        url,
        headers: { 'content-type': 'application/fhir+json' },
        payload: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="zorghub"');
      expect(response.json()).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'login', details: { coding: [{ code: 'HUB_ERR_AUTH_INVALID_TOKEN' }] } }],
      });
    },
  );

  it('serves the CapabilityStatement without a token: it is public on purpose', async () => {
    expect((await anonymous.inject({ method: 'GET', url: '/metadata' })).statusCode).toBe(200);
  });

  it.each([
    ['a malformed header', 'Token abc'],
    ['a token that is not a JWS', 'Bearer abc.def'],
    ['Basic credentials', `Basic ${Buffer.from('hub-admin:x').toString('base64')}`],
  ])('refuses %s with 401 and says why in the challenge', async (_name, authorization) => {
    const response = await anonymous.inject({ method: 'GET', url: '/Patient', headers: { authorization } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="zorghub", error="invalid_(request|token)"/);
  });

  it('refuses a token another hub signed, though it has the same issuer name', async () => {
    const other = await createTestApp();
    const response = await anonymous.inject({
      method: 'GET',
      url: '/Patient',
      headers: { authorization: `Bearer ${await other.adminToken()}` },
    });
    expect(response.statusCode).toBe(401);
  });

  it('lets the bootstrap admin in', async () => {
    expect((await app.inject({ method: 'GET', url: '/Patient' })).statusCode).toBe(200);
  });
});

describe('POST /admin/clients/:clientId/$token', () => {
  const issue = (clientId: string, body?: unknown, via = app) =>
    via.inject({
      method: 'POST',
      url: `/admin/clients/${clientId}/$token`,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  it('issues a short-lived token for an active system client, with the scopes asked for', async () => {
    const response = await issue('logistiek.test', { scope: 'leveringen' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'leveringen' });
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({
      client_id: 'logistiek.test',
      kind: 'system',
      role: 'logistics',
      org: { value: '8712345678906' },
    });
    expect(claims.exp - claims.iat).toBe(900);
    // The token is a real one: the FHIR API takes it.
    expect(
      (
        await anonymous.inject({
          method: 'GET',
          url: '/metadata',
          headers: { authorization: `Bearer ${body.access_token}` },
        })
      ).statusCode,
    ).toBe(200);
  });

  it.each([
    ['a PGO', 'pgo.test', undefined, 'a PGO gets tokens only through a person'],
    ['an inactive client', 'uit-dienst.test', undefined, 'the client is inactive'],
    [
      'a scope the client is not registered for',
      'logistiek.test',
      { scope: 'system/*.*' },
      'not registered for: system/*.*',
    ],
    ['a scope that is not a string', 'logistiek.test', { scope: ['leveringen'] }, 'scope is a space-separated string'],
  ])('refuses %s with 409 HUB_ERR_REGISTRY_NO_TOKEN_FOR_CLIENT', async (_name, clientId, body, message) => {
    const response = await issue(clientId, body);
    expect(response.statusCode).toBe(409);
    expect(response.json().issue[0]).toMatchObject({
      details: { coding: [{ code: 'HUB_ERR_REGISTRY_NO_TOKEN_FOR_CLIENT' }] },
    });
    expect(response.json().issue[0].diagnostics).toContain(message);
  });

  it('answers 404 for an unknown client', async () => {
    expect((await issue('onbekend.test')).statusCode).toBe(404);
  });

  it('is for admins only: a logistics token gets 403, no token 401', async () => {
    const logistics = (await issue('logistiek.test')).json().access_token as string;
    const asLogistics = await anonymous.inject({
      method: 'POST',
      url: '/admin/clients/logistiek.test/$token',
      headers: { authorization: `Bearer ${logistics}` },
    });
    expect(asLogistics.statusCode).toBe(403);
    expect((await issue('logistiek.test', undefined, anonymous)).statusCode).toBe(401);
  });
});
