// Which data service each PGO query needs, as docs/api/oauth.md tables it (from consent/data-services.ts): for every
// query, a person's token with exactly that service answers 200, and one with every other service but that one
// answers 403. So the table cannot say what the hub does not do.
import { describe, expect, it } from 'vitest';
import { DATA_SERVICES } from '../../consent/data-services.js';
import { createTestApp } from '../support/app.js';
import { personToken } from '../support/person-tokens.js';

const hub = await createTestApp();
const { app } = hub;

async function create(resource: Record<string, unknown>): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/${resource.resourceType}`,
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(resource),
  });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: string }).id;
}

const patient = await create({ resourceType: 'Patient', name: [{ family: 'Jansen' }] });
const insurer = await create({
  resourceType: 'Organization',
  name: 'Zorgverzekeraar',
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' }],
});
await create({
  resourceType: 'Coverage',
  status: 'active',
  beneficiary: { reference: `Patient/${patient}` },
  payor: [{ reference: `Organization/${insurer}` }],
});

/** The PGO queries of docs/api/oauth.md and the data service each needs. */
const QUERIES: [string, string][] = [
  ['/Patient', 'basisgegevens'],
  [`/Patient/${patient}`, 'basisgegevens'],
  [`/Patient/${patient}/$everything`, 'basisgegevens'],
  ['/RelatedPerson', 'basisgegevens'],
  ['/CarePlan', 'zorgplan'],
  ['/Goal', 'zorgplan'],
  ['/CareTeam', 'zorgplan'],
  ['/DeviceRequest', 'hulpmiddelen'],
  ['/Device', 'hulpmiddelen'],
  ['/DeviceUseStatement', 'hulpmiddelen'],
  ['/SupplyRequest', 'leveringen'],
  ['/SupplyDelivery', 'leveringen'],
  ['/Coverage', 'financiering'],
  ['/Coverage?_include=Coverage:payor:Organization', 'financiering'],
  ['/Organization', 'financiering'],
  ['/AuditEvent', 'toegangslog'],
];

const only = new Map<string, string>();
const allBut = new Map<string, string>();
for (const service of DATA_SERVICES) {
  only.set(service.id, (await personToken(hub, { patient: `Patient/${patient}`, dataServices: [service.id] })).token);
  allBut.set(
    service.id,
    (
      await personToken(hub, {
        patient: `Patient/${patient}`,
        dataServices: DATA_SERVICES.map((s) => s.id).filter((id) => id !== service.id),
      })
    ).token,
  );
}

const get = (url: string, authorization: string) => app.inject({ method: 'GET', url, headers: { authorization } });

describe('the data service each PGO query needs', () => {
  it.each(QUERIES)('GET %s answers 200 with only %s', async (url, service) => {
    const response = await get(url, only.get(service)!);
    expect(response.statusCode, response.body).toBe(200);
  });

  it.each(QUERIES)('GET %s answers 403 with every data service but %s', async (url, service) => {
    const response = await get(url, allBut.get(service)!);
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ details: { coding: [{ code: 'HUB_ERR_AUTH_INSUFFICIENT_SCOPE' }] } }],
    });
  });

  it('includes the payor with financiering', async () => {
    const bundle = (await get('/Coverage?_include=Coverage:payor:Organization', only.get('financiering')!)).json() as {
      entry?: { resource: { resourceType: string; id: string } }[];
    };
    expect(bundle.entry?.map((entry) => `${entry.resource.resourceType}/${entry.resource.id}`)).toContain(
      `Organization/${insurer}`,
    );
  });
});
