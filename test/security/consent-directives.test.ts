// Client directives over HTTP, with real tokens: a client's data-sharing Consents take data out of what a care
// provider or a financier sees, or add to it, by organisation or category of recipient, data category and regime,
// the more specific directive winning and deny winning a tie; a change applies to the next request; and the audit
// record names the Consent that shaped the answer. The precedence itself is tabled in
// consent/policy/directives.test.ts.
import type { AuditEvent, Bundle, Consent, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../server/contracts/principal.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { TEST_BASE_URL, startTestServer } from '../support/app.js';
import { principalClient } from '../support/as-principal.js';
import { systemClients } from '../support/system-clients.js';

const { baseUrl, db, adminHeaders } = await startTestServer();
const admin = await adminHeaders();
const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';
const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const HUB = 'https://zorghub.example.org/fhir';
const { register, tokenOf, call } = systemClients({ baseUrl, db });
await register('verzekeraar', 'financier', { system: UZOVI, value: '3311' });
await register('ziekenhuis', 'care-provider', { system: URA, value: '11112222' });

const create = async (resource: Record<string, unknown>) => {
  const answer = await call(admin, 'POST', `/${resource.resourceType}`, resource);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body!.id as string;
};
const role = (code: string) => [{ coding: [{ system: `${HUB}/CodeSystem/organisation-role`, code }] }];
const insurer = await create({
  resourceType: 'Organization',
  name: 'Zilveren Kruis',
  identifier: [{ system: UZOVI, value: '3311' }],
  type: role('health-insurer'),
});
const municipality = await create({
  resourceType: 'Organization',
  name: 'Gemeente Zwolle',
  identifier: [{ system: 'https://zorghub.example.org/fhir/NamingSystem/gemeentecode', value: '0193' }],
  type: role('municipality'),
});
const hospital = await create({
  resourceType: 'Organization',
  name: 'Isala',
  identifier: [{ system: URA, value: '11112222' }],
  type: role('care-provider'),
});

const regimeCoverage = (patient: string, regime: string, payor: string) =>
  create({
    resourceType: 'Coverage',
    status: 'active',
    beneficiary: { reference: `Patient/${patient}` },
    payor: [{ reference: `Organization/${payor}` }],
    type: { coding: [{ system: `${HUB}/CodeSystem/financing-regime`, code: regime }] },
  });
const order = (patient: string, coverage: string, requester?: string, device?: string) =>
  create({
    resourceType: 'DeviceRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patient}` },
    ...(device ? { codeReference: { reference: `Device/${device}` } } : { codeCodeableConcept: { text: 'rolstoel' } }),
    insurance: [{ reference: `Coverage/${coverage}` }],
    ...(requester ? { requester: { reference: `Organization/${requester}` } } : {}),
  });

// Hendrik: a Zvw and a Wmo aid, ordered by the hospital (a care relation). Els: a Zvw aid, no care relation.
const hendrik = await create({ resourceType: 'Patient', name: [{ family: 'de Vries' }] });
const els = await create({ resourceType: 'Patient', name: [{ family: 'Jansen' }] });
const hendrikZvw = await regimeCoverage(hendrik, 'zvw', insurer);
const hendrikWmo = await regimeCoverage(hendrik, 'wmo', municipality);
const elsZvw = await regimeCoverage(els, 'zvw', insurer);
const hendrikZvwAid = await order(hendrik, hendrikZvw, hospital);
// The Wmo order names its Device (the wheelchair); the stick is named by no order.
const hendrikWmoChair = await create({
  resourceType: 'Device',
  status: 'active',
  patient: { reference: `Patient/${hendrik}` },
});
const hendrikStick = await create({
  resourceType: 'Device',
  status: 'active',
  patient: { reference: `Patient/${hendrik}` },
});
const hendrikWmoAid = await order(hendrik, hendrikWmo, hospital, hendrikWmoChair);
const elsZvwAid = await order(els, elsZvw);
// What is delivered for each order: the request (based-on the order), then the delivery (based-on the request).
const supplyFor = (patient: string, aid: string) =>
  create({
    resourceType: 'SupplyRequest',
    status: 'active',
    itemCodeableConcept: { text: 'rolstoel' },
    quantity: { value: 1 },
    extension: [
      { url: `${HUB}/StructureDefinition/hub-ext-based-on`, valueReference: { reference: `DeviceRequest/${aid}` } },
    ],
    deliverTo: { reference: `Patient/${patient}` },
  });
const deliveryFor = (patient: string, request: string) =>
  create({
    resourceType: 'SupplyDelivery',
    status: 'completed',
    basedOn: [{ reference: `SupplyRequest/${request}` }],
    patient: { reference: `Patient/${patient}` },
  });
const hendrikZvwSupply = await supplyFor(hendrik, hendrikZvwAid);
const hendrikWmoSupply = await supplyFor(hendrik, hendrikWmoAid);
const elsZvwSupply = await supplyFor(els, elsZvwAid);
const hendrikZvwDelivery = await deliveryFor(hendrik, hendrikZvwSupply);
const hendrikWmoDelivery = await deliveryFor(hendrik, hendrikWmoSupply);
const elsZvwDelivery = await deliveryFor(els, elsZvwSupply);
const hendrikPlan = await create({
  resourceType: 'CarePlan',
  status: 'active',
  intent: 'plan',
  subject: { reference: `Patient/${hendrik}` },
});
const elsPlan = await create({
  resourceType: 'CarePlan',
  status: 'active',
  intent: 'plan',
  subject: { reference: `Patient/${els}` },
});

const OPT_IN = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] };
type Recipient = { organization: string; identifier: { system: string; value: string } } | { category: string };
async function directive(
  patient: string,
  type: 'permit' | 'deny',
  recipient: Recipient,
  services: string[],
  regimes: string[] = [],
): Promise<string> {
  const actor =
    'category' in recipient
      ? {
          extension: [
            {
              url: `${HUB}/StructureDefinition/hub-ext-recipient-category`,
              valueCoding: { system: `${HUB}/CodeSystem/organisation-role`, code: recipient.category },
            },
          ],
          reference: { display: recipient.category },
        }
      : { reference: { reference: `Organization/${recipient.organization}`, identifier: recipient.identifier } };
  return create({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${HUB}/CodeSystem/consent-category`, code: 'data-sharing' }] }],
    patient: { reference: `Patient/${patient}` },
    dateTime: '2026-01-01',
    policyRule: OPT_IN,
    provision: {
      type,
      period: { start: '2026-01-01' },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
          ...actor,
        },
      ],
      class: services.map((code) => ({ system: `${HUB}/CodeSystem/data-service`, code })),
      ...(regimes.length
        ? { code: [{ coding: regimes.map((code) => ({ system: `${HUB}/CodeSystem/financing-regime`, code })) }] }
        : {}),
    },
  });
}
async function withdraw(consent: string): Promise<void> {
  const current = (await call(admin, 'GET', `/Consent/${consent}`)).body as Consent;
  expect((await call(admin, 'PUT', `/Consent/${consent}`, { ...current, status: 'inactive' })).status).toBe(200);
}
const ZK: Recipient = { organization: insurer, identifier: { system: UZOVI, value: '3311' } };
const ISALA: Recipient = { organization: hospital, identifier: { system: URA, value: '11112222' } };

async function ids(headers: Record<string, string>, query: string): Promise<string[]> {
  const answer = await call(headers, 'GET', query);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return ((answer.body as Bundle).entry ?? [])
    .filter((e) => e.search?.mode !== 'include')
    .map((e) => e.resource!.id!)
    .sort();
}
const sorted = (...values: string[]) => [...values].sort();

describe('client directives', () => {
  it('an insurer sees only what is charged to it, until a client denies or permits more', async () => {
    const zk = await tokenOf('verzekeraar');
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, elsZvwAid));

    // Hendrik denies this insurer his aids: gone from search and read, his coverage (another category) stays.
    const deny = await directive(hendrik, 'deny', ZK, ['hulpmiddelen']);
    expect(await ids(zk, '/DeviceRequest')).toEqual([elsZvwAid]);
    expect((await call(zk, 'GET', `/DeviceRequest/${hendrikZvwAid}`)).status).toBe(404);
    expect(await ids(zk, `/DeviceRequest?_id=${hendrikZvwAid}&_total=accurate`)).toEqual([]);
    expect(await ids(zk, '/Coverage')).toEqual(sorted(hendrikZvw, elsZvw));
    await withdraw(deny);
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, elsZvwAid));

    // Every insurer may see Hendrik's aids: now also the Wmo one the municipality pays for.
    const permitAll = await directive(hendrik, 'permit', { category: 'health-insurer' }, ['hulpmiddelen']);
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, hendrikWmoAid, elsZvwAid));
    // ... except his Wmo aids (a regime-limited deny is more specific than a permit for every regime).
    const noWmo = await directive(hendrik, 'deny', { category: 'health-insurer' }, ['hulpmiddelen'], ['wmo']);
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, elsZvwAid));
    // A permit naming this insurer beats the category's deny.
    const permitZk = await directive(hendrik, 'permit', ZK, ['hulpmiddelen']);
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, hendrikWmoAid, elsZvwAid));
    // A deny naming this insurer for Wmo beats its own general permit; the Zvw aid stays.
    const zkNoWmo = await directive(hendrik, 'deny', ZK, ['hulpmiddelen'], ['wmo']);
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, elsZvwAid));
    // At equal specificity deny wins: a second, identical permit does not undo it.
    await directive(hendrik, 'permit', ZK, ['hulpmiddelen'], ['wmo']);
    expect(await ids(zk, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, elsZvwAid));
    expect((await call(zk, 'GET', `/DeviceRequest/${hendrikWmoAid}`)).status).toBe(404);
    for (const consent of [permitAll, noWmo, permitZk, zkNoWmo]) await withdraw(consent);
  });

  it('an insurer sees the deliveries of the orders charged to it, and a regime-limited deny reaches them', async () => {
    const zk = await tokenOf('verzekeraar');
    // Through the request each answers and the order it serves, to the Coverage this insurer pays.
    expect(await ids(zk, '/SupplyDelivery')).toEqual(sorted(hendrikZvwDelivery, elsZvwDelivery));
    expect((await call(zk, 'GET', `/SupplyDelivery/${hendrikWmoDelivery}`)).status).toBe(404);
    // The requests themselves are no financier's (no rule opens them).
    expect((await call(zk, 'GET', '/SupplyRequest')).status).toBe(403);
    // Hendrik lets every insurer see his deliveries, except those of his Wmo aids.
    const permitAll = await directive(hendrik, 'permit', { category: 'health-insurer' }, ['leveringen']);
    expect(await ids(zk, '/SupplyDelivery')).toEqual(sorted(hendrikZvwDelivery, hendrikWmoDelivery, elsZvwDelivery));
    const noWmo = await directive(hendrik, 'deny', { category: 'health-insurer' }, ['leveringen'], ['wmo']);
    expect(await ids(zk, '/SupplyDelivery')).toEqual(sorted(hendrikZvwDelivery, elsZvwDelivery));
    for (const consent of [permitAll, noWmo]) await withdraw(consent);
  });

  it('a regime-limited deny reaches the delivery requests, deliveries and devices of that regime', async () => {
    const isala = await tokenOf('ziekenhuis');
    expect(await ids(isala, `/SupplyRequest?subject=Patient/${hendrik}`)).toEqual(
      sorted(hendrikZvwSupply, hendrikWmoSupply),
    );
    expect(await ids(isala, `/Device?patient=Patient/${hendrik}`)).toEqual(sorted(hendrikWmoChair, hendrikStick));
    const noWmo = await directive(hendrik, 'deny', ISALA, ['leveringen', 'hulpmiddelen'], ['wmo']);
    expect(await ids(isala, `/SupplyRequest?subject=Patient/${hendrik}`)).toEqual([hendrikZvwSupply]);
    expect(await ids(isala, `/SupplyDelivery?patient=Patient/${hendrik}`)).toEqual([hendrikZvwDelivery]);
    // The chair is named by a Wmo order; the stick by none, so a regime-limited directive does not concern it.
    expect(await ids(isala, `/Device?patient=Patient/${hendrik}`)).toEqual([hendrikStick]);
    expect((await call(isala, 'GET', `/Device/${hendrikWmoChair}`)).status).toBe(404);
    // A search along the new parameter finds what the order led to, within what the caller may see.
    expect(await ids(isala, `/SupplyDelivery?based-on:SupplyRequest.based-on=DeviceRequest/${hendrikZvwAid}`)).toEqual([
      hendrikZvwDelivery,
    ]);
    expect(await ids(isala, `/SupplyDelivery?based-on:SupplyRequest.based-on=DeviceRequest/${hendrikWmoAid}`)).toEqual(
      [],
    );
    await withdraw(noWmo);
    expect(await ids(isala, `/SupplyDelivery?based-on:SupplyRequest.based-on=DeviceRequest/${hendrikWmoAid}`)).toEqual([
      hendrikWmoDelivery,
    ]);
  });

  it('a permit opens a type the rules close, and only for that client', async () => {
    const zk = await tokenOf('verzekeraar');
    expect((await call(zk, 'GET', '/CarePlan')).status).toBe(403);
    const permit = await directive(els, 'permit', { category: 'health-insurer' }, ['zorgplan']);
    expect(await ids(zk, '/CarePlan')).toEqual([elsPlan]);
    expect((await call(zk, 'GET', `/CarePlan/${hendrikPlan}`)).status).toBe(404);
    // Sharing, not writing: the permit opens no update.
    const plan = (await call(admin, 'GET', `/CarePlan/${elsPlan}`)).body as Resource;
    expect((await call(zk, 'PUT', `/CarePlan/${elsPlan}`, plan)).status).toBe(403);
    await withdraw(permit);
    expect((await call(zk, 'GET', '/CarePlan')).status).toBe(403);
  });

  it('a care provider: a deny takes a related client out, a category permit brings an unrelated one in', async () => {
    const isala = await tokenOf('ziekenhuis');
    expect(await ids(isala, '/CarePlan')).toEqual([hendrikPlan]);
    const deny = await directive(hendrik, 'deny', ISALA, ['zorgplan']);
    const permit = await directive(els, 'permit', { category: 'care-provider' }, ['zorgplan', 'hulpmiddelen']);
    expect(await ids(isala, '/CarePlan')).toEqual([elsPlan]);
    // Other categories of Hendrik's data stay with the care relation; Els's aids came in with her permit.
    expect(await ids(isala, '/DeviceRequest')).toEqual(sorted(hendrikZvwAid, hendrikWmoAid, elsZvwAid));
    // Through an include or a chain the denied plan stays absent too.
    expect(await ids(isala, `/CarePlan?subject:Patient._id=${hendrik}`)).toEqual([]);
    const included = await call(isala, 'GET', `/Patient?_id=${hendrik}&_revinclude=CarePlan:subject`);
    expect(((included.body as Bundle).entry ?? []).map((e) => e.resource!.resourceType)).toEqual(['Patient']);

    // The audit record of the search names the consents beside the rule.
    await call(isala, 'GET', '/CarePlan?_count=5');
    const events = await call(admin, 'GET', `/AuditEvent?policy=Consent/${deny}&_sort=-date&_count=1`);
    const requestor = (events.body as Bundle<AuditEvent>).entry?.[0]?.resource?.agent.find((agent) => agent.requestor);
    expect(requestor?.policy).toEqual(
      expect.arrayContaining([`Consent/${deny}`, `Consent/${permit}`, expect.stringContaining('care-relation-read')]),
    );
    await withdraw(deny);
    await withdraw(permit);
    expect(await ids(isala, '/CarePlan')).toEqual([hendrikPlan]);
  });
});

const as = await principalClient(new PgRepository(db.sql, { baseUrl: TEST_BASE_URL }), TEST_BASE_URL);

describe('a client records his own directives', () => {
  const person = (patient: string): Principal => ({
    kind: 'person',
    clientId: 'pgo',
    patient: `Patient/${patient}`,
    dataServices: ['basisgegevens'],
    tokenId: 't',
  });
  const consent = (patient: string, category: string): Consent => ({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: `${HUB}/CodeSystem/consent-category`, code: category }] }],
    patient: { reference: `Patient/${patient}` },
    policyRule: OPT_IN,
    provision: {
      type: 'deny',
      actor: [{ role: { coding: [{ code: 'IRCP' }] }, reference: { reference: `Organization/${insurer}` } }],
      class: [{ system: `${HUB}/CodeSystem/data-service`, code: 'hulpmiddelen' }],
    },
  });

  it('a delegate who may act records directives about his delegated data services only', async () => {
    const delegate = (readOnly: boolean): Principal => ({
      kind: 'delegate',
      clientId: 'pgo',
      patient: `Patient/${els}`,
      actor: 'RelatedPerson/dochter',
      dataServices: ['hulpmiddelen'],
      tokenId: 't',
      readOnly,
    });
    const made = await as(delegate(false))('POST', '/Consent', consent(els, 'data-sharing'));
    expect(made.status).toBe(201);
    const zorgplan = consent(els, 'data-sharing');
    zorgplan.provision!.class = [{ system: `${HUB}/CodeSystem/data-service`, code: 'zorgplan' }];
    expect((await as(delegate(false))('POST', '/Consent', zorgplan)).status).toBe(403);
    expect((await as(delegate(false))('POST', '/Consent', consent(els, 'delegation'))).status).toBe(403);
    expect((await as(delegate(true))('POST', '/Consent', consent(els, 'data-sharing'))).status).toBe(403);
    // He sees the directives he may act on, not the client's other consents.
    const listed = await as(delegate(true))('GET', '/Consent');
    expect((listed.body as Bundle).entry!.map((e) => e.resource!.id)).toEqual([made.body!.id]);
    await withdraw(made.body!.id!);
  });

  it('creates a data-sharing Consent for himself, and nothing else', async () => {
    const created = await as(person(els))('POST', '/Consent', consent(els, 'data-sharing'));
    expect(created.status).toBe(201);
    expect((await as(person(els))('POST', '/Consent', consent(hendrik, 'data-sharing'))).status).toBe(403);
    expect((await as(person(els))('POST', '/Consent', consent(els, 'delegation'))).status).toBe(403);
    const zk = await tokenOf('verzekeraar');
    expect(await ids(zk, '/DeviceRequest')).not.toContain(elsZvwAid);
    await withdraw(created.body!.id!);
    expect(await ids(zk, '/DeviceRequest')).toContain(elsZvwAid);
  });
});
