// Flow 8 of the domain, end to end over HTTP: a logistics provider's day of work (its delivery requests with their
// clients, each delivery recorded, a device moved, a few attempts outside its remit), then an auditor who checks
// in the audit trail that it only ever saw delivery data, and that the trail is intact.
import type { AuditEvent, Bundle, Parameters, SupplyRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/app.js';
import { systemClients } from '../support/system-clients.js';

const server = await startTestServer();
const admin = await server.adminHeaders();
const GLN = 'https://www.gs1.org/gln';
const OWN_GLN = '8712345000035';
const { register, tokenOf, call } = systemClients(server);
await register('snel-transport', 'logistics', { system: GLN, value: OWN_GLN });
await register('toezicht', 'auditor', { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '87654321' });

// The morning's data, as the EHRs and suppliers left it.
const create = async (resource: Record<string, unknown>) =>
  (await call(admin, 'POST', `/${resource.resourceType}`, resource)).body!.id as string;
const own = await create({
  resourceType: 'Organization',
  name: 'Snel Transport',
  identifier: [{ system: GLN, value: OWN_GLN }],
});
const rival = await create({
  resourceType: 'Organization',
  name: 'Ander Transport',
  identifier: [{ system: GLN, value: '8712345000011' }],
});
const clients: string[] = [];
const requests: string[] = [];
for (let i = 0; i < 4; i++) {
  const patient = await create({
    resourceType: 'Patient',
    name: [{ family: `Klant${i}` }],
    address: [{ city: 'Zwolle' }],
    birthDate: '1944-04-04',
  });
  clients.push(patient);
  requests.push(
    await create({
      resourceType: 'SupplyRequest',
      status: 'active',
      itemCodeableConcept: { text: 'hoog-laagbed' },
      quantity: { value: 1 },
      deliverTo: { reference: `Patient/${patient}` },
      supplier: [{ reference: `Organization/${i < 3 ? own : rival}` }],
      reasonCode: [{ text: 'decubitus' }],
    }),
  );
}
const carePlan = await create({
  resourceType: 'CarePlan',
  status: 'active',
  intent: 'plan',
  subject: { reference: `Patient/${clients[0]}` },
});
const device = await create({
  resourceType: 'Device',
  status: 'active',
  patient: { reference: `Patient/${clients[0]}` },
  owner: { reference: `Organization/${own}` },
  note: [{ text: 'accu vervangen' }],
});

describe("a logistics provider's day, then the auditor", () => {
  it('works its own deliveries, and is kept from everything else', async () => {
    const logistics = await tokenOf('snel-transport');
    const work = await call(logistics, 'GET', '/SupplyRequest?status=active&_include=SupplyRequest:subject&_count=2');
    expect(work.status).toBe(200);
    let bundle = work.body as Bundle;
    const seen: string[] = [];
    for (;;) {
      for (const entry of bundle.entry ?? []) {
        seen.push(`${entry.resource!.resourceType}/${entry.resource!.id}`);
        expect((entry.resource as { reasonCode?: unknown }).reasonCode).toBeUndefined();
      }
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      bundle = (await call(logistics, 'GET', next.slice(server.baseUrl.length))).body as Bundle;
    }
    expect(seen.filter((r) => r.startsWith('SupplyRequest/')).sort()).toEqual(
      requests
        .slice(0, 3)
        .map((id) => `SupplyRequest/${id}`)
        .sort(),
    );
    for (const id of requests.slice(0, 3)) {
      const request = (await call(logistics, 'GET', `/SupplyRequest/${id}`)).body as SupplyRequest;
      const delivered = await call(logistics, 'POST', '/SupplyDelivery', {
        resourceType: 'SupplyDelivery',
        status: 'completed',
        basedOn: [{ reference: `SupplyRequest/${id}` }],
        patient: request.deliverTo,
        supplier: { reference: `Organization/${own}` },
        occurrenceDateTime: '2026-12-02T10:30:00+01:00',
      });
      expect(delivered.status).toBe(201);
    }
    const moved = await call(logistics, 'GET', `/Device/${device}`);
    expect(
      (await call(logistics, 'PUT', `/Device/${device}`, { ...moved.body, location: { display: `bij Klant0` } }))
        .status,
    ).toBe(200);
    // Outside its remit: a care plan, another provider's request, a delivery in another's name.
    expect((await call(logistics, 'GET', `/CarePlan/${carePlan}`)).status).toBe(403);
    expect((await call(logistics, 'GET', `/SupplyRequest/${requests[3]}`)).status).toBe(404);
    expect(
      (
        await call(logistics, 'POST', '/SupplyDelivery', {
          resourceType: 'SupplyDelivery',
          status: 'completed',
          patient: { reference: `Patient/${clients[3]}` },
          supplier: { reference: `Organization/${rival}` },
        })
      ).status,
    ).toBe(403);
  });

  it('shows the auditor that it only ever saw delivery data, and that the trail is intact', async () => {
    const auditor = await tokenOf('toezicht');
    const found = await call(
      auditor,
      'GET',
      `/AuditEvent?agent:identifier=${encodeURIComponent('https://zorghub.example.org/fhir/NamingSystem/oauth-client|snel-transport')}&_count=1000`,
    );
    expect(found.status).toBe(200);
    const events = (found.body as Bundle<AuditEvent>).entry!.map((e) => e.resource!);
    expect(events.length).toBeGreaterThanOrEqual(12);
    const DELIVERY_TYPES = ['SupplyRequest', 'SupplyDelivery', 'Device', 'Patient', 'DeviceRequest', 'Organization'];
    for (const event of events.filter((e) => e.outcome === '0')) {
      for (const entity of event.entity ?? []) {
        const type = entity.what?.reference?.split('/')[0];
        if (type) expect(DELIVERY_TYPES, JSON.stringify(entity)).toContain(type);
      }
      for (const rule of event.agent[0].policy ?? []) expect(rule).toMatch(/^urn:zorghub:access-rule:logistics-/);
    }
    // Its three refused attempts are on record too.
    // (outcomeDesc: the error code, then for a refusal its reason.)
    expect(
      events
        .filter((e) => e.outcome === '4')
        .map((e) => e.outcomeDesc?.split(':')[0])
        .sort(),
    ).toEqual(['HUB_ERR_AUTH_INSUFFICIENT_SCOPE', 'HUB_ERR_AUTH_INSUFFICIENT_SCOPE', 'HUB_ERR_STORE_NOT_FOUND']);
    // The auditor itself reads no clinical data.
    expect((await call(auditor, 'GET', `/CarePlan/${carePlan}`)).status).toBe(403);
    const verified = await call(auditor, 'GET', '/AuditEvent/$verify');
    expect((verified.body as Parameters).parameter).toContainEqual({ name: 'intact', valueBoolean: true });
  });
});
