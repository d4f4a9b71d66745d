// Patient/[id]/$everything (http://hl7.org/fhir/R4/patient-operation-everything.html): the Patient and his
// compartment, paged, narrowed by _type and _since; through the caller's access decision like any search.
import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../contracts/principal.js';
import { PgRepository } from '../../storage/pg/pg-repository.js';
import { createTestApp, TEST_BASE_URL } from '../../../test/support/app.js';
import { principalClient } from '../../../test/support/as-principal.js';

const { app, db } = await createTestApp();

async function create(resource: Record<string, unknown>): Promise<string> {
  const answer = await app.inject({ method: 'POST', url: `/${resource.resourceType}`, payload: resource });
  expect(answer.statusCode, answer.body).toBe(201);
  return answer.json().id as string;
}
const get = (url: string) => app.inject({ method: 'GET', url });
const idsOf = (bundle: Bundle) =>
  (bundle.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();

const anna = await create({ resourceType: 'Patient', name: [{ family: 'Bakker' }] });
const piet = await create({ resourceType: 'Patient', name: [{ family: 'Visser' }] });
const mine = [
  `Patient/${anna}`,
  `Coverage/${await create({ resourceType: 'Coverage', status: 'active', beneficiary: { reference: `Patient/${anna}` }, payor: [{ display: 'ZK' }] })}`,
  `DeviceRequest/${await create({ resourceType: 'DeviceRequest', status: 'active', intent: 'order', subject: { reference: `Patient/${anna}` }, codeCodeableConcept: { text: 'rollator' } })}`,
  `CarePlan/${await create({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${anna}` } })}`,
  `DeviceUseStatement/${await create({ resourceType: 'DeviceUseStatement', status: 'active', subject: { reference: `Patient/${anna}` }, device: { display: 'rollator' } })}`,
  // Outside the R4 Patient compartment, but hers by Device.patient.
  `Device/${await create({ resourceType: 'Device', status: 'active', patient: { reference: `Patient/${anna}` }, deviceName: [{ name: 'rollator', type: 'user-friendly-name' }] })}`,
].sort();
await create({ resourceType: 'Device', status: 'active', patient: { reference: `Patient/${piet}` } });
await create({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${piet}` } });
await create({ resourceType: 'Organization', name: 'not in any compartment' });

describe('Patient/$everything', () => {
  it("returns the Patient and his compartment, nobody else's", async () => {
    const answer = await get(`/Patient/${anna}/$everything`);
    expect(answer.statusCode).toBe(200);
    expect(idsOf(answer.json())).toEqual(mine);
  });

  it('pages with _count and its next links', async () => {
    const seen: string[] = [];
    let url: string | undefined = `/Patient/${anna}/$everything?_count=2`;
    let pages = 0;
    while (url) {
      const bundle = (await get(url)).json() as Bundle;
      seen.push(...idsOf(bundle));
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.slice(TEST_BASE_URL.length) : undefined;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(mine);
  });

  it('narrows by _type and _since', async () => {
    expect(idsOf((await get(`/Patient/${anna}/$everything?_type=Coverage,CarePlan`)).json())).toEqual(
      mine.filter((id) => /^(Coverage|CarePlan)\//.test(id)),
    );
    const later = new Date(Date.now() + 60_000).toISOString();
    expect(idsOf((await get(`/Patient/${anna}/$everything?_since=${later}`)).json())).toEqual([]);
    expect((await get(`/Patient/${anna}/$everything?_type=Organization`)).statusCode).toBe(400);
    // The access log only when asked for: the creates above are in it.
    expect(idsOf((await get(`/Patient/${anna}/$everything?_type=AuditEvent`)).json()).length).toBeGreaterThan(0);
  });

  it("finds the client's Devices by Device.patient in a compartment search too", async () => {
    const answer = await get(`/Patient/${anna}/Device`);
    expect(answer.statusCode).toBe(200);
    expect(idsOf(answer.json())).toEqual(mine.filter((id) => id.startsWith('Device/')));
  });

  it('answers an unknown or deleted Patient as a read would', async () => {
    expect((await get('/Patient/unknown-patient/$everything')).statusCode).toBe(404);
    const gone = await create({ resourceType: 'Patient', name: [{ family: 'Weg' }] });
    await app.inject({ method: 'DELETE', url: `/Patient/${gone}` });
    expect((await get(`/Patient/${gone}/$everything`)).statusCode).toBe(410);
  });

  it("gives a restricted caller only what its decision opens: a person his own services, another's Patient absent", async () => {
    const as = await principalClient(new PgRepository(db.sql, { baseUrl: TEST_BASE_URL }), TEST_BASE_URL);
    const person = (services: string[]): Principal => ({
      kind: 'person',
      clientId: 'pgo',
      patient: `Patient/${anna}`,
      dataServices: services,
      tokenId: 't',
    });
    const own = await as(person(['basisgegevens', 'hulpmiddelen']))('GET', `/Patient/${anna}/$everything`);
    expect(own.status).toBe(200);
    expect(idsOf(own.body as Bundle)).toEqual(
      mine.filter((id) => /^(Patient|DeviceRequest|DeviceUseStatement|Device)\//.test(id)),
    );
    expect((await as(person(['basisgegevens', 'hulpmiddelen']))('GET', `/Patient/${piet}/$everything`)).status).toBe(
      404,
    );
    // Without the Patient itself there is no $everything: a type-level refusal that tells nothing about anyone.
    expect((await as(person(['hulpmiddelen']))('GET', `/Patient/${anna}/$everything`)).status).toBe(403);
  });

  it('is in the CapabilityStatement', async () => {
    const statement = (await app.inject({ method: 'GET', url: '/metadata' })).json();
    const patient = statement.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.operation).toContainEqual(
      expect.objectContaining({
        name: 'everything',
        definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
      }),
    );
  });
});
