// The configured policy reaches every request: with HUB_ACCESS_POLICY's rules in the app config, a financier
// reads what the file opens to it and no longer what the baseline did.
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/support/app.js';
import { ClientRegistry } from '../registry/client-registry.js';
import { accessPolicyOf } from './policy-file.js';

const rules = accessPolicyOf({
  financier: [
    {
      id: 'finance-all-care-plans',
      types: ['CarePlan'],
      interactions: ['read', 'search', 'history'],
      scope: { kind: 'everything' },
      why: 'a test of the configured policy',
    },
  ],
});
const { app, anonymous, db } = await createTestApp({ auth: { accessPolicy: rules } });
const secret = 'policy-file-test-secret-0123456789-abcdefgh';
await new ClientRegistry(db.sql).put(
  {
    clientId: 'insurer',
    name: 'insurer',
    kind: 'system',
    role: 'financier',
    organization: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' },
    redirectUris: [],
    publicClient: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    dataServices: ['system/*.read'],
    active: true,
  },
  { secret },
);

describe('HUB_ACCESS_POLICY in force', () => {
  it('opens what the file says and closes what it replaced', async () => {
    const plan = await app.inject({
      method: 'POST',
      url: '/CarePlan',
      payload: { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/x' } },
    });
    expect(plan.statusCode).toBe(201);
    const token = await anonymous.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`insurer:${secret}`).toString('base64')}`,
      },
    });
    const authorization = `Bearer ${token.json().access_token}`;
    expect(
      (await anonymous.inject({ method: 'GET', url: `/CarePlan/${plan.json().id}`, headers: { authorization } }))
        .statusCode,
    ).toBe(200);
    const coverage = await anonymous.inject({ method: 'GET', url: '/Coverage', headers: { authorization } });
    expect(coverage.statusCode).toBe(403);
    expect(coverage.json().issue[0].diagnostics).toContain('the role financier may not search Coverage');

    // Even an `everything` rule gives way to a client's deny: read, search and history leave his care plan out.
    // (Before, the policy repository took such a permit for unrestricted and served history unfiltered.)
    const patient = (
      await app.inject({
        method: 'POST',
        url: '/Patient',
        payload: { resourceType: 'Patient', name: [{ family: 'Weigeraar' }] },
      })
    ).json().id;
    const his = (
      await app.inject({
        method: 'POST',
        url: '/CarePlan',
        payload: {
          resourceType: 'CarePlan',
          status: 'active',
          intent: 'plan',
          subject: { reference: `Patient/${patient}` },
        },
      })
    ).json().id;
    const deny = await app.inject({
      method: 'POST',
      url: '/Consent',
      payload: {
        resourceType: 'Consent',
        status: 'active',
        scope: { text: 'privacy' },
        policyRule: { text: 'opt-in' },
        patient: { reference: `Patient/${patient}` },
        category: [
          {
            coding: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/consent-category', code: 'data-sharing' }],
          },
        ],
        provision: {
          type: 'deny',
          actor: [
            {
              role: { text: 'recipient' },
              reference: { identifier: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' } },
            },
          ],
          class: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/data-service', code: 'zorgplan' }],
        },
      },
    });
    expect(deny.statusCode).toBe(201);
    const as = (url: string) => anonymous.inject({ method: 'GET', url, headers: { authorization } });
    expect((await as(`/CarePlan/${his}`)).statusCode).toBe(404);
    expect((await as(`/CarePlan/${plan.json().id}`)).statusCode).toBe(200);
    const ids = (bundle: { entry?: { resource: { id: string } }[] }) => (bundle.entry ?? []).map((e) => e.resource.id);
    expect(ids((await as('/CarePlan')).json())).toEqual([plan.json().id]);
    // Type history is for callers who may read all of the type, which a client's directive now prevents.
    expect((await as('/CarePlan/_history')).statusCode).toBe(403);
    expect((await as(`/CarePlan/${his}/_history`)).statusCode).toBe(404);
    expect((await as(`/CarePlan/${plan.json().id}/_history`)).statusCode).toBe(200);
  });
});
