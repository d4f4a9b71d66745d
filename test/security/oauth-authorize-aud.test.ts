// /oauth/authorize refuses an `aud` that is not the hub's own FHIR base URL (trailing slash ignored), so that no
// token is ever minted for another server; a request with SMART-style scopes must carry `aud`, one with only MedMij
// scopes may omit it. Errors as RFC 6749 4.1.2.1: back to the registered redirect_uri with error=invalid_request,
// or a 400 page when the redirect_uri cannot be trusted.
import { describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { createTestApp, TEST_BASE_URL } from '../support/app.js';

const { anonymous, db } = await createTestApp();
const PGO = 'pgo-aud.example.nl';
const REDIRECT = 'https://pgo-aud.example.nl/callback';
await new ClientRegistry(db.sql).put({
  clientId: PGO,
  name: 'PGO Aud',
  kind: 'pgo',
  redirectUris: [REDIRECT],
  publicClient: true,
  tokenEndpointAuthMethod: 'none',
  dataServices: ['hulpmiddelen'],
  active: true,
});

const MEDMIJ = 'zorghub~hulpmiddelen';
const SMART = 'launch/patient patient/*.read';

async function authorize(params: Record<string, string | undefined>) {
  const query = new URLSearchParams();
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: PGO,
    redirect_uri: REDIRECT,
    scope: MEDMIJ,
    state: 'st-1',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [key, value] of Object.entries(all)) {
    if (value !== undefined) query.set(key, value);
  }
  const response = await anonymous.inject({ method: 'GET', url: `/oauth/authorize?${query}` });
  const location = response.headers.location as string | undefined;
  const target = location && !location.startsWith('/') ? new URL(location) : undefined;
  return {
    status: response.statusCode,
    location,
    error: target?.searchParams.get('error') ?? undefined,
    target,
    body: response.body,
  };
}

const FOREIGN = [
  'https://evil.example/fhir',
  'https://evil.example/fhir/',
  `${TEST_BASE_URL}/other`,
  `${TEST_BASE_URL}.evil.example`,
  `${TEST_BASE_URL}:8443`,
  `https://hub.test`,
  `${TEST_BASE_URL}/?x=1`,
  'not a url',
  '',
];

describe('aud at /oauth/authorize', () => {
  it.each(
    FOREIGN.flatMap((aud) => [
      [aud, MEDMIJ],
      [aud, SMART],
    ]),
  )('refuses aud=%j (scope %s) with invalid_request, back to the PGO with its state', async (aud, scope) => {
    const answer = await authorize({ aud, scope });
    expect(answer.status).toBe(303);
    expect(answer.target?.origin + answer.target!.pathname).toBe(REDIRECT);
    expect(answer.error).toBe('invalid_request');
    expect(answer.target?.searchParams.get('error_description')).toMatch(/aud/);
    expect(answer.target?.searchParams.get('state')).toBe('st-1');
  });

  it('refuses a foreign aud with a page, not a redirect, when the redirect_uri is not registered', async () => {
    const answer = await authorize({ aud: 'https://evil.example/fhir', redirect_uri: 'https://evil.example/steal' });
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
  });

  it.each([TEST_BASE_URL, `${TEST_BASE_URL}/`, 'HTTP://HUB.TEST', 'http://hub.test:80'])(
    "accepts the hub's own base URL as aud=%s and goes on to the login",
    async (aud) => {
      const answer = await authorize({ aud });
      expect(answer.status).toBe(303);
      expect(answer.location).toMatch(/^\/oauth\/login\?request=/);
    },
  );

  it('accepts a request with only MedMij scopes and no aud', async () => {
    const answer = await authorize({ aud: undefined });
    expect(answer.status).toBe(303);
    expect(answer.location).toMatch(/^\/oauth\/login\?request=/);
  });

  it('requires aud with SMART-style scopes: invalid_request without it; with it, the scopes themselves are refused', async () => {
    const without = await authorize({ scope: SMART, aud: undefined });
    expect(without.error).toBe('invalid_request');
    expect(without.target?.searchParams.get('error_description')).toMatch(/aud is required/);
    const mixed = await authorize({ scope: `${MEDMIJ} patient/*.read`, aud: undefined });
    expect(mixed.error).toBe('invalid_request');
    const withAud = await authorize({ scope: SMART, aud: TEST_BASE_URL });
    expect(withAud.error).toBe('invalid_scope');
  });
});
