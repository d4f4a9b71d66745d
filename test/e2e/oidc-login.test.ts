// Person login through an OpenID Connect upstream (as a DigiD broker would be plugged in), end to end: the hub
// sends the browser to the provider, the provider sends it back with a code, the hub verifies the id_token, takes
// the BSN from the configured claim and shows the consent screen for that client. A provider that misbehaves
// (wrong nonce) gets the person an error page, never a consent screen.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { startTestServer } from '../support/app.js';
import { Browser, hiddenFields } from '../support/browser.js';
import { startOidcProvider } from '../support/oidc-provider.js';

const BSN = '999911120';
const REDIRECT = 'http://127.0.0.1:9/pgo/callback';

const provider = await startOidcProvider({
  users: { anna: { bsn: BSN } },
  clientId: 'zorghub',
  bsnClaim: 'urn:nl:bsn',
});
afterAll(() => provider.close());
const { baseUrl, db, adminHeaders } = await startTestServer({
  auth: {
    providerName: 'zorghub',
    devLoginBsns: [],
    oidc: { issuer: provider.issuer, clientId: 'zorghub', bsnClaim: 'urn:nl:bsn' },
  },
});
const auth = await adminHeaders();

beforeAll(async () => {
  await new ClientRegistry(db.sql).put({
    clientId: 'pgo.example.nl',
    name: 'PGO Voorbeeld',
    kind: 'pgo',
    redirectUris: [REDIRECT],
    publicClient: true,
    tokenEndpointAuthMethod: 'none',
    dataServices: ['hulpmiddelen'],
    active: true,
  });
  const patient = {
    resourceType: 'Patient',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: BSN }],
    name: [{ family: 'Jansen' }],
  };
  const res = await fetch(`${baseUrl}/Patient`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(patient),
  });
  expect(res.status).toBe(201);
});

async function toProvider(browser: Browser): Promise<URL> {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'pgo.example.nl',
    redirect_uri: REDIRECT,
    scope: 'zorghub~hulpmiddelen',
    state: 's1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const login = await browser.get((await browser.get(`/oauth/authorize?${query}`)).location!);
  expect(login.status).toBe(303);
  const upstream = new URL(login.location!);
  expect(upstream.origin).toBe(provider.issuer);
  return upstream;
}

describe('person login through an OpenID Connect upstream', () => {
  it('logs the person in at the provider and shows the consent screen for the client with that BSN', async () => {
    const browser = new Browser(baseUrl);
    const upstream = await toProvider(browser);
    expect(upstream.searchParams.get('code_challenge_method')).toBe('S256');
    upstream.searchParams.set('login_hint', 'anna');
    const back = await browser.get(upstream.toString());
    expect(back.location).toContain(`${baseUrl}/oauth/login/oidc/callback`);
    const screen = await browser.follow(await browser.get(back.location!.replace(baseUrl, '')));
    expect(screen.status).toBe(200);
    expect(screen.html).toContain('PGO Voorbeeld');
    const decided = await browser.submit('/oauth/consent', {
      ...hiddenFields(screen.html),
      decision: 'approve',
      period: 'once',
    });
    expect(new URL(decided.location!).searchParams.get('code')).toBeTruthy();
  });

  it('refuses the login when the provider answers with a wrong nonce', async () => {
    const browser = new Browser(baseUrl);
    const upstream = await toProvider(browser);
    upstream.searchParams.set('login_hint', 'anna');
    provider.misbehave = 'wrong-nonce';
    try {
      const back = await browser.get(upstream.toString());
      const page = await browser.get(back.location!.replace(baseUrl, ''));
      expect(page.status).toBe(401);
      expect(page.html).toContain('Inloggen is niet gelukt');
      expect(page.location).toBeUndefined();
    } finally {
      provider.misbehave = undefined;
    }
  });
});
