// A withdrawn, deleted or revoked consent ends the whole grant, its refresh token included: the refresh answers
// 400 invalid_grant (an RFC 6749 error body), again on a second try, and the audit trail records the attempt with
// the client and the patient. The same for a delegate whose delegation is withdrawn. (Before: every API call with
// the old access token got 401, but the refresh token kept buying new tokens.)
import { createHash, randomBytes } from 'node:crypto';
import type { AuditEvent, Consent } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { startTestServer } from '../support/app.js';
import { auditEvents } from '../support/audit.js';
import { Browser, hiddenFields } from '../support/browser.js';

const CLIENT_BSN = '999911120';
const DAUGHTER_BSN = '999600011';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const REDIRECT = 'http://127.0.0.1:9/pgo/callback';
const PGO = 'pgo-refresh.example.nl';

const { baseUrl, db, adminHeaders } = await startTestServer({
  auth: { providerName: 'zorghub', devLoginBsns: [CLIENT_BSN, DAUGHTER_BSN] },
});
const admin = await adminHeaders();
let patientId: string;
let daughterId: string;

async function create(resource: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${baseUrl}/${resource.resourceType}`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  await new ClientRegistry(db.sql).put({
    clientId: PGO,
    name: 'PGO Verversen',
    kind: 'pgo',
    redirectUris: [REDIRECT],
    publicClient: true,
    tokenEndpointAuthMethod: 'none',
    dataServices: ['leveringen', 'hulpmiddelen'],
    active: true,
  });
  patientId = await create({
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: CLIENT_BSN }],
    name: [{ given: ['Hendrik'], family: 'de Vries' }],
  });
  daughterId = await create({
    resourceType: 'RelatedPerson',
    patient: { reference: `Patient/${patientId}` },
    identifier: [{ system: BSN, value: DAUGHTER_BSN }],
    name: [{ given: ['Anna'], family: 'de Vries' }],
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'DAU' }] }],
  });
});

type TokenBody = Record<string, string | number | undefined>;

async function token(fields: Record<string, string>): Promise<{ status: number; body: TokenBody }> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: (await res.json()) as TokenBody };
}

const refresh = (refreshToken: string) =>
  token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: PGO });

/** Authorize, development login, (the delegate's choice,) consent and the code exchange: the tokens of a new grant. */
async function grant(
  bsn: string,
  scope = 'zorghub~leveringen',
): Promise<{ access: string; refresh: string; consentId: string }> {
  const browser = new Browser(baseUrl);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: PGO,
    redirect_uri: REDIRECT,
    scope,
    state: 's',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const login = await browser.follow(await browser.get(`/oauth/authorize?${query}`));
  let page = await browser.follow(await browser.submit('/oauth/login/dev', { ...hiddenFields(login.html), bsn }));
  if (page.html.includes('/oauth/act-for')) {
    page = await browser.follow(
      await browser.submit('/oauth/act-for', {
        ...hiddenFields(page.html),
        choice: /name="choice" value="([^"]+)"/.exec(page.html)![1],
      }),
    );
  }
  const decided = await browser.submit('/oauth/consent', {
    ...hiddenFields(page.html),
    decision: 'approve',
    period: 'until-withdrawn',
  });
  const code = new URL(decided.location!).searchParams.get('code')!;
  const issued = await token({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: PGO,
    code_verifier: verifier,
  });
  expect(issued.status).toBe(200);
  const claims = JSON.parse(Buffer.from(String(issued.body.access_token).split('.')[1], 'base64url').toString()) as {
    consent: string;
  };
  return {
    access: String(issued.body.access_token),
    refresh: String(issued.body.refresh_token),
    consentId: claims.consent.replace('Consent/', ''),
  };
}

async function fhir(method: string, path: string, bearer: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

/** Sets a Consent inactive with the given token (the client's own, or the admin's). */
async function withdraw(consentId: string, bearer: string): Promise<void> {
  const consent = (await (await fhir('GET', `/Consent/${consentId}`, bearer)).json()) as Consent;
  const res = await fhir('PUT', `/Consent/${consentId}`, bearer, { ...consent, status: 'inactive' });
  expect(res.status, await res.text()).toBe(200);
}

/** Refresh refused, twice, with an RFC 6749 body. */
async function expectRefreshRefused(refreshToken: string): Promise<void> {
  for (const attempt of [1, 2]) {
    const refused = await refresh(refreshToken);
    expect(refused.status, `attempt ${attempt}`).toBe(400);
    expect(refused.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    expect(refused.body.access_token).toBeUndefined();
  }
}

async function tokenEvents(): Promise<AuditEvent[]> {
  return (await auditEvents(db.sql)).filter((event) => event.type?.code === '110114' && event.outcome === '4');
}

describe('refresh after the consent ends', () => {
  it('refuses the refresh token once the client set his Consent inactive, and audits the attempt with client and patient', async () => {
    const tokens = await grant(CLIENT_BSN);
    const rotated = await refresh(tokens.refresh);
    expect(rotated.status).toBe(200);
    await withdraw(tokens.consentId, String(rotated.body.access_token));
    expect((await fhir('GET', '/SupplyRequest', String(rotated.body.access_token))).status).toBe(401);
    await expectRefreshRefused(String(rotated.body.refresh_token));

    const refusals = (await tokenEvents()).filter((event) => event.outcomeDesc?.startsWith('invalid_grant'));
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const event of refusals.slice(-2)) {
      expect(event.agent[0].who?.identifier).toMatchObject({ value: PGO });
      expect(event.entity).toContainEqual(expect.objectContaining({ what: { reference: `Patient/${patientId}` } }));
    }
  });

  it('refuses the refresh token once the Consent is deleted', async () => {
    const tokens = await grant(CLIENT_BSN);
    // The API may refuse to delete an authorisation (withdrawal is status inactive), so the delete is made where
    // the storage keeps it: the row marked deleted, as a FHIR delete leaves it.
    await db.sql`UPDATE "Consent" SET deleted = true WHERE id = ${tokens.consentId}`;
    await expectRefreshRefused(tokens.refresh);
    expect((await fhir('GET', '/SupplyRequest', tokens.access)).status).toBe(401);
  });

  it('refuses the refresh token after revocation at /oauth/revoke', async () => {
    const tokens = await grant(CLIENT_BSN);
    const revoked = await fetch(`${baseUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh, client_id: PGO }),
    });
    expect(revoked.status).toBe(200);
    await expectRefreshRefused(tokens.refresh);
    expect((await fhir('GET', '/SupplyRequest', tokens.access)).status).toBe(401);
  });

  it("refuses a delegate's refresh token once the delegation is withdrawn", async () => {
    const own = await grant(CLIENT_BSN);
    const delegated = await fetch(`${baseUrl}/oauth/delegations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${own.access}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        relatedPerson: `RelatedPerson/${daughterId}`,
        dataServices: ['leveringen'],
        interactions: ['read'],
      }),
    });
    expect(delegated.status).toBe(201);
    const delegation = (await delegated.json()) as Consent;
    const daughter = await grant(DAUGHTER_BSN);
    const rotated = await refresh(daughter.refresh);
    expect(rotated.status).toBe(200);
    await withdraw(delegation.id!, admin.authorization.replace('Bearer ', ''));
    expect((await fhir('GET', '/SupplyRequest', String(rotated.body.access_token))).status).toBe(401);
    await expectRefreshRefused(String(rotated.body.refresh_token));
    // The client's own grant does not rest on the delegation: it still refreshes.
    expect((await refresh(own.refresh)).status).toBe(200);
  });
});
