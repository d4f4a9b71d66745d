// Delegation (machtigen) end to end: a client authorises his daughter, through his PGO's token, to read his
// deliveries (not his orders or care plan, and not to change anything). She logs in as herself, picks him on the
// "on whose behalf" page, approves the PGO's request on his behalf and gets a delegate token that carries both
// identities and opens only what was delegated. Withdrawing the delegation stops her token at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Consent } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import type { AccessTokenClaims } from '../../consent/tokens/access-token.js';
import { startTestServer } from '../support/app.js';
import { Browser, hiddenFields } from '../support/browser.js';
import type { TokenAnswer } from '../support/token-answer.js';

const CLIENT_BSN = '999911120';
const DAUGHTER_BSN = '999600011';
const REDIRECT = 'http://127.0.0.1:9/pgo/callback';
const PGO = 'pgo.example.nl';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

const { baseUrl, db, adminHeaders } = await startTestServer({
  auth: { providerName: 'zorghub', devLoginBsns: [CLIENT_BSN, DAUGHTER_BSN] },
});
const auth = await adminHeaders();

let clientId: string;
let daughterId: string;
let deliveryId: string;
let orderId: string;
let otherClient: string;

async function create(resource: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${baseUrl}/${resource.resourceType}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  await new ClientRegistry(db.sql).put({
    clientId: PGO,
    name: 'PGO Voorbeeld',
    kind: 'pgo',
    redirectUris: [REDIRECT],
    publicClient: true,
    tokenEndpointAuthMethod: 'none',
    dataServices: ['leveringen', 'hulpmiddelen', 'zorgplan'],
    active: true,
  });
  clientId = await create({
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: CLIENT_BSN }],
    name: [{ given: ['Hendrik'], family: 'de Vries' }],
  });
  daughterId = await create({
    resourceType: 'RelatedPerson',
    patient: { reference: `Patient/${clientId}` },
    identifier: [{ system: BSN, value: DAUGHTER_BSN }],
    name: [{ given: ['Anna'], family: 'de Vries' }],
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'DAU' }] }],
  });
  deliveryId = await create({
    resourceType: 'SupplyRequest',
    status: 'active',
    itemCodeableConcept: { text: 'hoog-laagbed' },
    quantity: { value: 1 },
    deliverTo: { reference: `Patient/${clientId}` },
  });
  otherClient = await create({
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999600023' }],
    name: [{ family: 'Bakker' }],
  });
  orderId = await create({
    resourceType: 'DeviceRequest',
    status: 'active',
    intent: 'order',
    codeCodeableConcept: { text: 'hoog-laagbed' },
    subject: { reference: `Patient/${clientId}` },
  });
});

/** Through authorize, login with a BSN, (the picker,) consent, and the code exchange. */
async function tokenFor(bsn: string, scope: string, pick?: (html: string) => string) {
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
  let picker: string | undefined;
  if (page.html.includes('/oauth/act-for')) {
    picker = page.html;
    page = await browser.follow(
      await browser.submit('/oauth/act-for', { ...hiddenFields(page.html), choice: pick!(page.html) }),
    );
  }
  const screen = page.html;
  const decided = await browser.submit('/oauth/consent', {
    ...hiddenFields(screen),
    decision: 'approve',
    period: 'until-withdrawn',
  });
  const code = new URL(decided.location!).searchParams.get('code')!;
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: PGO,
      code_verifier: verifier,
    }),
  });
  return { body: (await res.json()) as TokenAnswer, screen, picker };
}

function claims(token: string): AccessTokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as AccessTokenClaims;
}

async function status(method: string, path: string, token: string, body?: unknown): Promise<number> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.status;
}

describe('delegation (machtigen)', () => {
  let delegation: Consent;

  it('lets the client authorise his daughter for his deliveries, read-only', async () => {
    const own = await tokenFor(CLIENT_BSN, 'zorghub~leveringen');
    const res = await fetch(`${baseUrl}/oauth/delegations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${own.body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        relatedPerson: `RelatedPerson/${daughterId}`,
        dataServices: ['leveringen'],
        interactions: ['read'],
      }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    delegation = JSON.parse(text) as Consent;
    expect(delegation.category?.[0].coding?.[0].code).toBe('delegation');
    expect(delegation.provision?.actor?.[0].reference?.reference).toBe(`RelatedPerson/${daughterId}`);
    // His own token may change his delivery window (leveringen allows updates), but not move it to someone else.
    const current = await (await fetch(`${baseUrl}/SupplyRequest/${deliveryId}`, { headers: auth })).json();
    const later = { ...current, occurrenceDateTime: '2027-01-04T10:00:00+01:00' };
    expect(await status('PUT', `/SupplyRequest/${deliveryId}`, own.body.access_token!, later)).toBe(200);
    const moved = { ...later, deliverTo: { reference: `Patient/${otherClient}` } };
    expect(await status('PUT', `/SupplyRequest/${deliveryId}`, own.body.access_token!, moved)).toBe(403);
    // Nobody else's RelatedPerson, and not without a token.
    const anonymous = await fetch(`${baseUrl}/oauth/delegations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
  });

  it('lets the daughter log in as herself, pick her father, and act for him within the delegation only', async () => {
    const { body, screen, picker } = await tokenFor(
      DAUGHTER_BSN,
      'zorghub~leveringen zorghub~hulpmiddelen',
      (html) => /name="choice" value="([^"]+)"/.exec(html)![1],
    );
    expect(picker).toContain('Namens Hendrik de Vries');
    expect(screen).toContain('namens <strong>Hendrik de Vries</strong>');
    // She may pass on only what she was given: the PGO asked for two services, the token has one.
    expect(screen).toContain('Leveringen');
    expect(screen).not.toContain('Hulpmiddelen');
    const token = body.access_token as string;
    expect(claims(token)).toMatchObject({
      kind: 'delegate',
      patient: `Patient/${clientId}`,
      actor: `RelatedPerson/${daughterId}`,
      scope: 'zorghub~leveringen',
    });
    expect(await status('GET', `/SupplyRequest/${deliveryId}`, token)).toBe(200);
    expect(await status('GET', `/DeviceRequest/${orderId}`, token)).toBe(403);
    // Read-only: no change of the delivery window, although the data service allows updates.
    const current = await (await fetch(`${baseUrl}/SupplyRequest/${deliveryId}`, { headers: auth })).json();
    expect(
      await status('PUT', `/SupplyRequest/${deliveryId}`, token, {
        ...current,
        occurrenceDateTime: '2027-01-05T10:00:00+01:00',
      }),
    ).toBe(403);

    // The PGO authorisation she gave names her as performer, on his behalf.
    const consent = (await (
      await fetch(`${baseUrl}/Consent/${claims(token).consent!.replace('Consent/', '')}`, { headers: auth })
    ).json()) as Consent;
    expect(consent.patient?.reference).toBe(`Patient/${clientId}`);
    expect(consent.performer?.[0].reference).toBe(`RelatedPerson/${daughterId}`);

    // The client withdraws the delegation: her token stops at once.
    const put = await fetch(`${baseUrl}/Consent/${delegation.id}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...delegation, status: 'inactive' }),
    });
    expect(put.status).toBe(200);
    expect(await status('GET', `/SupplyRequest/${deliveryId}`, token)).toBe(401);
  });

  it('sends a person with neither a client record nor a delegation away with a clear page', async () => {
    // The delegation above is withdrawn and the daughter has no Patient record of her own.
    const browser = new Browser(baseUrl);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: PGO,
      redirect_uri: REDIRECT,
      scope: 'zorghub~leveringen',
      state: 's',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const login = await browser.follow(await browser.get(`/oauth/authorize?${query}`));
    const page = await browser.submit('/oauth/login/dev', { ...hiddenFields(login.html), bsn: DAUGHTER_BSN });
    expect(page.status).toBe(404);
    expect(page.html).toContain('geen gegevens over u');
  });

  it('lets a daughter authorised to change delivery windows change the window, and nothing else of it', async () => {
    const own = await tokenFor(CLIENT_BSN, 'zorghub~leveringen');
    const res = await fetch(`${baseUrl}/oauth/delegations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${own.body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        relatedPerson: `RelatedPerson/${daughterId}`,
        dataServices: ['leveringen'],
        interactions: ['read', 'update'],
        changes: ['SupplyRequest.occurrence[x]'],
      }),
    });
    const recorded = (await res.json()) as Consent;
    expect(res.status).toBe(201);
    // The delegation says which elements "correct" covers.
    expect(recorded.provision?.provision?.[0].code?.[0].coding?.[0].code).toBe('SupplyRequest.occurrence[x]');
    const { body } = await tokenFor(
      DAUGHTER_BSN,
      'zorghub~leveringen',
      (html) => /name="choice" value="([^"]+)"/.exec(html)![1],
    );
    const token = body.access_token as string;
    const patch = (ops: object[]) =>
      fetch(`${baseUrl}/SupplyRequest/${deliveryId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json-patch+json' },
        body: JSON.stringify(ops),
      });
    expect((await patch([{ op: 'add', path: '/occurrenceDateTime', value: '2027-01-06T10:00:00+01:00' }])).status).toBe(
      200,
    );
    const toOther = await patch([{ op: 'add', path: '/supplier', value: [{ reference: 'Organization/elsewhere' }] }]);
    expect(toOther.status).toBe(403);
    expect(JSON.stringify(await toOther.json())).toContain('SupplyRequest.supplier');
    expect((await patch([{ op: 'replace', path: '/status', value: 'cancelled' }])).status).toBe(403);
    // Her data service says nothing of changing deliveries: no delivery marked abandoned.
    const abandoned = await fetch(`${baseUrl}/SupplyRequest/${deliveryId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await abandoned.json()) as { status: string }).status).toBe('active');
    // And a delegation cannot ask for more than the data services let a client change.
    const wider = await fetch(`${baseUrl}/oauth/delegations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${own.body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        relatedPerson: `RelatedPerson/${daughterId}`,
        dataServices: ['leveringen'],
        interactions: ['read', 'update'],
        changes: ['SupplyRequest.supplier'],
      }),
    });
    expect(wider.status).toBe(400);
  });
});
