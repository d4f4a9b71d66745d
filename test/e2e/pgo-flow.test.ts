// A PGO (personal health app) as MedMij describes it, end to end against a hub on a real port: the authorization
// request, the person's login (development login), the consent screen, the code exchange with PKCE, reading the
// client's own data with fhir-kit-client, refresh-token rotation, and withdrawal of consent, after which the token
// gets 401. Then the attacks: each refused with the right OAuth error.
import { createHash, randomBytes } from 'node:crypto';
import type { Bundle, Consent, DeviceRequest, Patient } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { buildConformance } from '../../server/fhir/profiles/conformance.js';
import { startTestServer } from '../support/app.js';
import { auditEvents } from '../support/audit.js';
import { Browser, hiddenFields } from '../support/browser.js';
import type { TokenAnswer } from '../support/token-answer.js';

const BSN = '999911120';
const OTHER_BSN = '999600011';
const REDIRECT = 'http://127.0.0.1:9/pgo/callback';
const PGO = 'pgo.example.nl';
const CONFIDENTIAL = 'pgo-confidential.example.nl';
const SECRET = 'a-long-enough-client-secret-for-the-tests-0123456789';

const { baseUrl, db, adminHeaders } = await startTestServer({
  auth: { providerName: 'zorghub', devLoginBsns: [BSN, OTHER_BSN] },
});
const auth = await adminHeaders();
/** The hospital side that stores the client's records: the bootstrap admin (consent layer 2 gives EHRs their own role). */
const open = new Client({ baseUrl, bearerToken: auth.authorization.replace('Bearer ', '') });

let patientId: string;
let otherPatientId: string;
let ownOrder: string;
let otherOrder: string;

function patient(bsn: string, family: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }],
    name: [{ family }],
    birthDate: '1940-01-01',
  };
}

function order(patient: string): DeviceRequest {
  return {
    resourceType: 'DeviceRequest',
    status: 'active',
    intent: 'order',
    codeCodeableConcept: { text: 'rollator' },
    subject: { reference: `Patient/${patient}` },
  };
}

beforeAll(async () => {
  const registry = new ClientRegistry(db.sql);
  await registry.put({
    clientId: PGO,
    name: 'PGO Voorbeeld',
    kind: 'pgo',
    redirectUris: [REDIRECT],
    publicClient: true,
    tokenEndpointAuthMethod: 'none',
    dataServices: ['basisgegevens', 'hulpmiddelen'],
    active: true,
  });
  await registry.put(
    {
      clientId: CONFIDENTIAL,
      name: 'PGO Vertrouwelijk',
      kind: 'pgo',
      redirectUris: [REDIRECT],
      publicClient: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
      dataServices: ['hulpmiddelen'],
      active: true,
    },
    { secret: SECRET },
  );
  patientId = (
    (await open.create({ resourceType: 'Patient', body: patient(BSN, 'Jansen') as never })) as unknown as Patient
  ).id!;
  otherPatientId = (
    (await open.create({ resourceType: 'Patient', body: patient(OTHER_BSN, 'Visser') as never })) as unknown as Patient
  ).id!;
  ownOrder = (
    (await open.create({ resourceType: 'DeviceRequest', body: order(patientId) as never })) as unknown as DeviceRequest
  ).id!;
  otherOrder = (
    (await open.create({
      resourceType: 'DeviceRequest',
      body: order(otherPatientId) as never,
    })) as unknown as DeviceRequest
  ).id!;
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  const defaults = {
    response_type: 'code',
    client_id: PGO,
    redirect_uri: REDIRECT,
    scope: 'zorghub~hulpmiddelen zorghub~basisgegevens',
    state: 'xyz-state',
  };
  for (const [k, v] of Object.entries({
    ...defaults,
    ...Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)),
  })) {
    query.set(k, v as string);
  }
  return `/oauth/authorize?${query}`;
}

/** The person's way through login and consent; returns the PGO callback URL the hub redirected to. */
async function consentFlow(
  browser: Browser,
  options: {
    challenge?: string;
    decision?: 'approve' | 'deny';
    period?: string;
    bsn?: string;
    client?: string;
    scope?: string;
  } = {},
): Promise<URL> {
  const start = await browser.get(
    authorizeUrl({
      code_challenge: options.challenge,
      code_challenge_method: options.challenge ? 'S256' : undefined,
      client_id: options.client,
      scope: options.scope,
    }),
    { 'medmij-request-id': 'mm-1', 'x-correlation-id': 'corr-1' },
  );
  expect(start.status).toBe(303);
  const login = await browser.follow(start);
  expect(login.html).toContain('Niet voor productie');
  const loggedIn = await browser.submit('/oauth/login/dev', { ...hiddenFields(login.html), bsn: options.bsn ?? BSN });
  const screen = await browser.follow(loggedIn);
  expect(screen.status).toBe(200);
  const fields: Record<string, string> = { ...hiddenFields(screen.html), decision: options.decision ?? 'approve' };
  if (options.period !== '') {
    fields.period = options.period ?? 'until-withdrawn';
  }
  const decided = await browser.submit('/oauth/consent', fields);
  expect(decided.status).toBe(303);
  return new URL(decided.location!);
}

async function token(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: (await res.json()) as TokenAnswer };
}

async function codeFor(challenge: string, browser = new Browser(baseUrl)): Promise<string> {
  const callback = await consentFlow(browser, { challenge });
  return callback.searchParams.get('code')!;
}

async function fhirStatus(path: string, accessToken: string): Promise<number> {
  return (await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

describe('a PGO, MedMij style', () => {
  it('gets consent, exchanges the code, reads only its client data, refreshes, and loses access when consent is withdrawn', async () => {
    const browser = new Browser(baseUrl);
    const { verifier, challenge } = pkce();
    const start = await browser.get(authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }));
    const screen = await browser.follow(
      await browser.submit('/oauth/login/dev', { ...hiddenFields((await browser.follow(start)).html), bsn: BSN }),
    );
    // The consent screen names the PGO and the data services in plain words, and preselects no period.
    expect(screen.html).toContain('lang="nl"');
    expect(screen.html).toContain('PGO Voorbeeld');
    expect(screen.html).toContain('Hulpmiddelen');
    expect(screen.html).toContain('Basisgegevens');
    expect(screen.html).not.toMatch(/checked/);
    const decided = await browser.submit('/oauth/consent', {
      ...hiddenFields(screen.html),
      decision: 'approve',
      period: 'until-withdrawn',
    });
    const callback = new URL(decided.location!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('state')).toBe('xyz-state');

    const issued = await token({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: verifier,
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, patient: patientId });
    expect(issued.body.refresh_token).toBeTruthy();

    // The consent is a FHIR Consent naming the person, the PGO and the data services.
    const [, payload] = issued.body.access_token!.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const consent = (await open.read({
      resourceType: 'Consent',
      id: claims.consent.replace('Consent/', ''),
    })) as unknown as Consent;
    expect(consent.patient?.reference).toBe(`Patient/${patientId}`);
    expect(consent.provision?.actor?.[0].reference?.identifier?.value).toBe(PGO);
    expect(consent.provision?.class?.map((c) => c.code).sort()).toEqual(['basisgegevens', 'hulpmiddelen']);
    // The login, the consent given and the token issued are in the client's own audit trail.
    const trail = await auditEvents(db.sql);
    const security = trail.filter(
      (e) =>
        e.entity?.some((x: { what?: { reference?: string } }) => x.what?.reference === `Patient/${patientId}`) &&
        e.type.system === 'http://dicom.nema.org/resources/ontology/DCM',
    );
    expect(security.map((e) => `${e.type.code} ${e.outcome}`)).toEqual(
      expect.arrayContaining(['110114 0', '110137 0']),
    );
    expect(security.find((e) => e.type.code === '110137')?.entity).toContainEqual(
      expect.objectContaining({ what: { reference: `Consent/${consent.id}` } }),
    );
    const conformance = await buildConformance({ required: 'all' });
    for (const event of security) {
      expect(
        conformance.validator
          .validate(event, 'https://zorghub.example.org/fhir/StructureDefinition/hub-AuditEvent')
          .filter((i) => i.severity === 'error'),
        JSON.stringify(event),
      ).toEqual([]);
    }
    expect(consent.provision?.period?.end).toBeUndefined();

    // Reading with the token: a search without patient= finds only this client's orders.
    const pgo = new Client({ baseUrl, bearerToken: issued.body.access_token });
    const orders = (await pgo.search({ resourceType: 'DeviceRequest' })) as unknown as Bundle;
    expect(orders.entry?.map((e) => e.resource?.id)).toEqual([ownOrder]);
    expect(await fhirStatus(`/DeviceRequest/${ownOrder}`, issued.body.access_token!)).toBe(200);
    expect(await fhirStatus(`/DeviceRequest/${otherOrder}`, issued.body.access_token!)).toBe(404);
    expect(await fhirStatus(`/Patient/${patientId}`, issued.body.access_token!)).toBe(200);
    expect(await fhirStatus(`/Patient/${otherPatientId}`, issued.body.access_token!)).toBe(404);
    expect(await fhirStatus('/Coverage', issued.body.access_token!)).toBe(403);

    // Refresh rotates: the new refresh token works, the old one may not be used again.
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token!,
      client_id: PGO,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(issued.body.refresh_token);
    expect(await fhirStatus('/DeviceRequest', refreshed.body.access_token!)).toBe(200);

    // Withdrawal: the client sets his Consent inactive through the API, with his own token; every token of it
    // stops at once. (He may read and withdraw his own consents whatever his data services.)
    const withdrawing = new Client({ baseUrl, bearerToken: refreshed.body.access_token });
    await withdrawing.update({
      resourceType: 'Consent',
      id: consent.id!,
      body: { ...consent, status: 'inactive' } as never,
    });
    expect(await fhirStatus('/DeviceRequest', refreshed.body.access_token!)).toBe(401);
    expect(await fhirStatus('/DeviceRequest', issued.body.access_token!)).toBe(401);
  });

  it('lets a person deny, and then redirects with access_denied', async () => {
    const callback = await consentFlow(new Browser(baseUrl), { challenge: pkce().challenge, decision: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('xyz-state');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('gives a once-only consent no refresh token', async () => {
    const { verifier, challenge } = pkce();
    const callback = await consentFlow(new Browser(baseUrl), { challenge, period: 'once' });
    const issued = await token({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: verifier,
    });
    expect(issued.status).toBe(200);
    expect(issued.body.refresh_token).toBeUndefined();
  });

  it('authenticates a confidential PGO with client_secret_basic, and refuses a wrong secret', async () => {
    const callback = await consentFlow(new Browser(baseUrl), { client: CONFIDENTIAL, scope: 'zorghub~hulpmiddelen' });
    const fields = {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT,
    };
    const wrong = await token(fields, {
      authorization: `Basic ${Buffer.from(`${CONFIDENTIAL}:nope`).toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const right = await token(fields, {
      authorization: `Basic ${Buffer.from(`${CONFIDENTIAL}:${SECRET}`).toString('base64')}`,
    });
    expect(right.status).toBe(200);
  });

  it('publishes its keys, its metadata and its data services', async () => {
    const jwks = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
    expect(jwks.keys[0].kty).toBeDefined();
    expect(jwks.keys[0].d).toBeUndefined();
    const smart = await (await fetch(`${baseUrl}/.well-known/smart-configuration`)).json();
    expect(smart).toMatchObject({
      token_endpoint: `${baseUrl}/oauth/token`,
      code_challenge_methods_supported: ['S256'],
    });
    const services = await (await fetch(`${baseUrl}/oauth/data-services`)).json();
    expect(services.dataServices.map((s: { scope: string }) => s.scope)).toContain('zorghub~hulpmiddelen');
    const metadata = await (await fetch(`${baseUrl}/metadata`)).json();
    expect(JSON.stringify(metadata.rest[0].security)).toContain(`${baseUrl}/oauth/token`);
    const xml = await (await fetch(`${baseUrl}/oauth/data-services.xml`)).text();
    expect(xml).toContain('<Scope>zorghub~financiering</Scope>');
  });
});

describe('attacks on the flow', () => {
  it('never redirects to an unregistered redirect_uri (no open redirector)', async () => {
    const page = await new Browser(baseUrl).get(
      authorizeUrl({
        redirect_uri: 'https://evil.example/steal',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.html).toContain('terugkeer-URL');
  });

  it('requires PKCE from a public client, and checks the verifier', async () => {
    const missing = await new Browser(baseUrl).get(authorizeUrl({}));
    expect(new URL(missing.location!).searchParams.get('error')).toBe('invalid_request');
    const { challenge } = pkce();
    const code = await codeFor(challenge);
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: pkce().verifier,
    });
    expect(wrong.body.error).toBe('invalid_grant');
  });

  it('refuses a replayed code and revokes the tokens issued from it', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const fields = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: verifier,
    };
    const first = await token(fields);
    expect(first.status).toBe(200);
    expect(await fhirStatus('/DeviceRequest', first.body.access_token!)).toBe(200);
    const replay = await token(fields);
    expect(replay.body.error).toBe('invalid_grant');
    expect(await fhirStatus('/DeviceRequest', first.body.access_token!)).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      client_id: PGO,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('revokes the grant when a rotated refresh token is used again, and refuses scope escalation at refresh', async () => {
    const { verifier, challenge } = pkce();
    const callback = await consentFlow(new Browser(baseUrl), { challenge, scope: 'zorghub~hulpmiddelen' });
    const issued = await token({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: verifier,
    });
    const escalate = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token!,
      client_id: PGO,
      scope: 'zorghub~hulpmiddelen zorghub~basisgegevens',
    });
    expect(escalate.body.error).toBe('invalid_scope');
    const rotated = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token!,
      client_id: PGO,
    });
    expect(rotated.status).toBe(200);
    const reused = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token!,
      client_id: PGO,
    });
    expect(reused.body.error).toBe('invalid_grant');
    expect(await fhirStatus('/DeviceRequest', rotated.body.access_token!)).toBe(401);
    const afterTheft = await token({
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token!,
      client_id: PGO,
    });
    expect(afterTheft.body.error).toBe('invalid_grant');
  });

  it('refuses a data service the PGO is not registered for, and an unknown scope', async () => {
    const browser = new Browser(baseUrl);
    const notRegistered = await browser.get(
      authorizeUrl({ scope: 'zorghub~financiering', code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    expect(new URL(notRegistered.location!).searchParams.get('error')).toBe('invalid_scope');
    const unknown = await browser.get(
      authorizeUrl({ scope: 'otherhub~hulpmiddelen', code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    expect(new URL(unknown.location!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('refuses a consent decision without the CSRF token, or from another browser', async () => {
    const browser = new Browser(baseUrl);
    const start = await browser.get(authorizeUrl({ code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    const screen = await browser.follow(
      await browser.submit('/oauth/login/dev', { ...hiddenFields((await browser.follow(start)).html), bsn: BSN }),
    );
    const fields = hiddenFields(screen.html);
    const forged = await browser.submit('/oauth/consent', {
      request: fields.request,
      csrf: 'forged',
      decision: 'approve',
      period: 'once',
    });
    expect(forged.status).toBe(400);
    expect(forged.location).toBeUndefined();
    const elsewhere = new Browser(baseUrl);
    const stolen = await elsewhere.submit('/oauth/consent', { ...fields, decision: 'approve', period: 'once' });
    expect(stolen.status).toBe(400);
    // The real browser can still decide, once; without a period it is asked again.
    const noPeriod = await browser.submit('/oauth/consent', { ...fields, decision: 'approve' });
    expect(noPeriod.status).toBe(400);
    expect(noPeriod.html).toContain('Kies hoe lang');
    expect((await browser.submit('/oauth/consent', { ...fields, decision: 'approve', period: 'once' })).status).toBe(
      303,
    );
    expect((await browser.submit('/oauth/consent', { ...fields, decision: 'approve', period: 'once' })).status).toBe(
      400,
    );
  });

  it('refuses tampered tokens, alg none, and tokens signed by another key', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(challenge);
    const { body } = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: verifier,
    });
    const [header, payload, signature] = (body.access_token as string).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const otherPayload = Buffer.from(JSON.stringify({ ...claims, patient: `Patient/${otherPatientId}` })).toString(
      'base64url',
    );
    expect(await fhirStatus('/DeviceRequest', `${header}.${otherPayload}.${signature}`)).toBe(401);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    expect(await fhirStatus('/DeviceRequest', `${none}.${payload}.`)).toBe(401);
    const otherKey = await import('node:crypto').then((c) => c.generateKeyPairSync('rsa', { modulusLength: 2048 }));
    const signer = (await import('node:crypto')).createSign('RSA-SHA256');
    signer.update(`${header}.${payload}`);
    const forged = signer.sign(otherKey.privateKey).toString('base64url');
    expect(await fhirStatus('/DeviceRequest', `${header}.${payload}.${forged}`)).toBe(401);
    const res = await fetch(`${baseUrl}/DeviceRequest`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
