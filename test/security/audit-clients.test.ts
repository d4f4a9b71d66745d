// The access log names every client an access concerns, and shows each client only his part, generated over roles
// and types. Two clients with the same care provider, supplier, logistics provider and financier; every system role
// reads each of the first client's resources by id and searches every type across both clients. Then: each record of
// an access to or an attempt on a client's data names him (also when refused: 403 and 404), the OAuth client and the
// rule or the reason; and each client's own log (his PGO, data service toegangslog) holds the records of accesses to
// his data and, in them, no id, BSN or query value of the other client's. A token whose consent was withdrawn is
// recorded as its client's, with its Consent.
import type { AuditEvent, Bundle, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { SystemRole } from '../../server/contracts/principal.js';
import { ClientRegistry } from '../../consent/registry/client-registry.js';
import { createTestApp } from '../support/app.js';
import { auditEvents } from '../support/audit.js';
import { personToken } from '../support/person-tokens.js';

const hub = await createTestApp();
const { app, anonymous, db } = hub;
const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const GLN = 'https://www.gs1.org/gln';
const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

const ORGS: Record<Exclude<SystemRole, 'admin'>, { system: string; value: string }> = {
  'care-provider': { system: URA, value: '10000001' },
  supplier: { system: GLN, value: '8712345000011' },
  logistics: { system: GLN, value: '8712345000035' },
  financier: { system: UZOVI, value: '3311' },
  auditor: { system: URA, value: '87654321' },
};
const ROLES = Object.keys(ORGS) as Exclude<SystemRole, 'admin'>[];
const registry = new ClientRegistry(db.sql);
const tokens = new Map<string, string>();
for (const role of ROLES) {
  const clientId = `${role}.test`;
  await registry.put(
    {
      clientId,
      name: clientId,
      kind: 'system',
      role,
      organization: ORGS[role],
      redirectUris: [],
      publicClient: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
      dataServices: ['system/*.read'],
      active: true,
    },
    { secret: `${role}-secret-0123456789-abcdefghijklmnop` },
  );
  tokens.set(
    role,
    `Bearer ${(await app.inject({ method: 'POST', url: `/admin/clients/${clientId}/$token` })).json().access_token}`,
  );
}

const post = async <T extends Resource>(resource: T): Promise<T & { id: string }> => {
  const response = await app.inject({
    method: 'POST',
    url: `/${resource.resourceType}`,
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(resource),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
};
const org: Record<string, string> = {};
for (const role of ROLES)
  org[role] = (await post({ resourceType: 'Organization', name: role, identifier: [ORGS[role]] })).id;

/** Each client's resources by type, and every text that would identify them (ids, BSN). */
interface Client {
  patient: string;
  byType: Record<string, string>;
  marks: string[];
}
async function client(bsn: string, family: string): Promise<Client> {
  const patient = await post({
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family }],
    birthDate: '1941-03-12',
    telecom: [{ system: 'phone', value: `06${bsn}` }],
  });
  const subject = { reference: `Patient/${patient.id}` };
  const coverage = await post({
    resourceType: 'Coverage',
    status: 'active',
    beneficiary: subject,
    payor: [{ reference: `Organization/${org.financier}` }],
  });
  const order = await post({
    resourceType: 'DeviceRequest',
    status: 'active',
    intent: 'order',
    subject,
    codeCodeableConcept: { text: 'rolstoel' },
    requester: { reference: `Organization/${org['care-provider']}` },
    performer: { reference: `Organization/${org.supplier}` },
    insurance: [{ reference: `Coverage/${coverage.id}` }],
  });
  const request = await post({
    resourceType: 'SupplyRequest',
    status: 'active',
    itemCodeableConcept: { text: 'rolstoel' },
    quantity: { value: 1 },
    deliverTo: subject,
    supplier: [{ reference: `Organization/${org.logistics}` }],
  });
  const delivery = await post({
    resourceType: 'SupplyDelivery',
    status: 'in-progress',
    patient: subject,
    supplier: { reference: `Organization/${org.logistics}` },
    basedOn: [{ reference: `SupplyRequest/${request.id}` }],
  });
  const device = await post({
    resourceType: 'Device',
    status: 'active',
    patient: subject,
    owner: { reference: `Organization/${org.supplier}` },
  });
  const plan = await post({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject });
  const byType = {
    Patient: patient.id,
    Coverage: coverage.id,
    DeviceRequest: order.id,
    SupplyRequest: request.id,
    SupplyDelivery: delivery.id,
    Device: device.id,
    CarePlan: plan.id,
  };
  return { patient: `Patient/${patient.id}`, byType, marks: [...Object.values(byType), bsn, `06${bsn}`] };
}
const first = await client('999911120', 'Vries');
const second = await client('999600011', 'Bakker');
const TYPES = Object.keys(first.byType);

async function lastRecord(): Promise<AuditEvent> {
  return (await auditEvents(db.sql)).at(-1)!;
}
const patientsNamed = (event: AuditEvent) =>
  (event.entity ?? []).filter((e) => e.role?.code === '1').map((e) => e.what?.reference);
const get = (role: string, url: string) =>
  anonymous.inject({ method: 'GET', url, headers: { authorization: tokens.get(role)! } });

const READS = ROLES.flatMap((role) => TYPES.map((type) => ({ role, type })));

describe('the audit record of a system client', () => {
  it.each(READS)('names the client when $role reads his $type by id, allowed or refused', async ({ role, type }) => {
    const response = await get(role, `/${type}/${first.byType[type]}`);
    const event = await lastRecord();
    expect(event.agent[0].who?.identifier?.value).toBe(`${role}.test`);
    expect(patientsNamed(event)).toEqual([first.patient]);
    if (response.statusCode === 200) {
      expect(event.outcome).toBe('0');
      expect(event.agent[0].policy?.some((uri) => uri.startsWith('urn:zorghub:access-rule:'))).toBe(true);
      const data = event.entity!.find((e) => e.role?.code === '4' && e.what?.reference?.startsWith(`${type}/`));
      expect(data?.detail).toEqual([{ type: 'client', valueString: first.patient }]);
    } else {
      expect([403, 404]).toContain(response.statusCode);
      expect(event.outcome).toBe('4');
      // A 403 says why; a 404 says that it was not found (which it was not, for this caller).
      expect(event.outcomeDesc).toMatch(
        response.statusCode === 403 ? /^HUB_ERR_AUTH_INSUFFICIENT_SCOPE: Not allowed: / : /^HUB_ERR_STORE_NOT_FOUND/,
      );
    }
  });
});

describe("a client's own access log", () => {
  it('shows each client the accesses to his data and nothing of the other client', async () => {
    // Every role searches every type across both clients, with criteria naming both.
    for (const role of ROLES) {
      for (const type of TYPES) {
        await get(role, `/${type}?_count=50`);
        const both = `${first.byType[type]},${second.byType[type]}`;
        await get(role, `/${type}?_id=${both}`);
      }
      await get(role, `/Patient?identifier=${BSN}|999911120,${BSN}|999600011`);
      await get(role, `/DeviceRequest?subject=${first.patient},${second.patient}`);
    }
    for (const [own, other] of [
      [first, second],
      [second, first],
    ]) {
      const { token } = await personToken(hub, { patient: own.patient, dataServices: ['toegangslog'] });
      const response = await anonymous.inject({
        method: 'GET',
        url: '/AuditEvent?_count=1000',
        headers: { authorization: token },
      });
      expect(response.statusCode, response.body).toBe(200);
      const log = (response.json() as Bundle<AuditEvent>).entry!.map((e) => e.resource!);
      // His part: the financier's coverage search returned his Coverage, and his log shows it (named as his).
      const coverageSearch = log.find(
        (e) =>
          e.agent[0].who?.identifier?.value === 'financier.test' &&
          e.entity?.some((x) => x.what?.reference?.startsWith(`Coverage/${own.byType.Coverage}/`)),
      );
      expect(coverageSearch, "the financier's search of his coverage").toBeDefined();
      expect(patientsNamed(coverageSearch!)).toEqual([own.patient]);
      for (const event of log) {
        const text = JSON.stringify(event);
        for (const mark of other.marks) expect(text, `a record in ${own.patient}'s log`).not.toContain(mark);
        // A query of someone else shows its parameters, not their values.
        const query = event.entity?.find((e) => e.role?.code === '24')?.query;
        if (query) {
          const decoded = Buffer.from(query, 'base64').toString();
          for (const mark of own.marks) expect(decoded).not.toContain(mark);
        }
      }
    }
  });

  it.each([
    ['entity', `entity=Coverage/${second.byType.Coverage}`],
    ['patient', `patient=${second.patient}`],
    ['agent', 'agent:identifier=x|y'],
    ['policy', 'policy=Consent/x'],
    ['_sort by entity', '_sort=entity'],
  ])('refuses him a search of his log by what its rendering hides: %s', async (_name, query) => {
    const { token } = await personToken(hub, {
      patient: first.patient,
      dataServices: ['toegangslog', 'basisgegevens'],
    });
    const response = await anonymous.inject({
      method: 'GET',
      url: `/AuditEvent?${query}`,
      headers: { authorization: token },
    });
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().issue[0].diagnostics).toMatch(/AuditEvent/);
  });

  it('lets him search his log by date and outcome, and refuses a revinclude of it through its entities', async () => {
    const { token } = await personToken(hub, {
      patient: first.patient,
      dataServices: ['toegangslog', 'basisgegevens'],
    });
    const ask = (url: string) => anonymous.inject({ method: 'GET', url, headers: { authorization: token } });
    expect((await ask('/AuditEvent?date=ge2020-01-01&outcome=4&_count=5')).statusCode).toBe(200);
    expect((await ask('/Patient?_revinclude=AuditEvent:patient')).statusCode).toBe(403);
  });

  it('holds the refused attempts on his data', async () => {
    const response = await get('logistics', `/CarePlan/${second.byType.CarePlan}`);
    expect(response.statusCode).toBe(403);
    const { token } = await personToken(hub, { patient: second.patient, dataServices: ['toegangslog'] });
    const log = (
      await anonymous.inject({
        method: 'GET',
        url: '/AuditEvent?_count=1000&_sort=-date',
        headers: { authorization: token },
      })
    ).json() as Bundle<AuditEvent>;
    const attempt = log
      .entry!.map((e) => e.resource!)
      .find(
        (e) =>
          e.agent[0].who?.identifier?.value === 'logistics.test' && e.outcome === '4' && e.subtype?.[0].code === 'read',
      );
    expect(attempt?.outcomeDesc).toMatch(/may not read CarePlan/);
  });

  it("records a request with a withdrawn consent as the client's, with its Consent", async () => {
    const { token, consentId } = await personToken(hub, { patient: first.patient, dataServices: ['hulpmiddelen'] });
    expect(
      (await anonymous.inject({ method: 'GET', url: '/DeviceRequest', headers: { authorization: token } })).statusCode,
    ).toBe(200);
    const consent = (await app.inject({ method: 'GET', url: `/Consent/${consentId}` })).json();
    const withdrawn = await app.inject({
      method: 'PUT',
      url: `/Consent/${consentId}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...consent, status: 'inactive' }),
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    // The withdrawal is recorded as a consent change.
    expect(await lastRecord()).toMatchObject({ type: { code: '110137' }, action: 'U', outcome: '0' });
    expect(
      (
        await anonymous.inject({
          method: 'GET',
          url: `/DeviceRequest/${first.byType.DeviceRequest}`,
          headers: { authorization: token },
        })
      ).statusCode,
    ).toBe(401);
    const event = await lastRecord();
    expect(event).toMatchObject({
      outcome: '4',
      outcomeDesc: expect.stringMatching(/^HUB_ERR_AUTH_INVALID_TOKEN: .*withdrawn/),
    });
    expect(event.agent[0].who?.identifier?.value).toBe('pgo.test');
    expect(event.agent[0].policy).toContain(`Consent/${consentId}`);
    expect(patientsNamed(event)).toEqual([first.patient]);
  });
});
