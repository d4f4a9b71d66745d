// What a supplier's or logistics provider's message may name and write (issue 23), generated over the roles and the
// relations, each expectation stated from the data model below rather than from the policy code:
// - who resolves a client by BSN (`Patient?identifier=...bsn|...`) and who by the delivery request he is the
//   subject of (`Patient?_has:SupplyRequest:subject:identifier=...|<order>`), for every role of the policy: the
//   request's own supplier (or logistics provider) and the roles that could already find him, no one else;
// - for every delivery role x every relation a Device can have to an organisation x read, search and update,
//   whether the Device is open to it, under the delivery mask.
import type { Bundle, Device, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { policyRepositoryFor } from '../../consent/access/policy-repository.js';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { principalClient } from '../support/as-principal.js';
import { createTestDatabase } from '../support/database.js';

const BASE = 'http://hub.test';
const { sql } = await createTestDatabase();
const store = new PgRepository(sql, { baseUrl: BASE });
const as = await principalClient(store, BASE);

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const GLN = 'https://www.gs1.org/gln';
const GEMEENTE = 'urn:oid:2.16.840.1.113883.2.4.6.14';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const ORDER = 'https://zorghub.example.org/fhir/NamingSystem/supply-request-number';
const HOLDER = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-holder';

interface Org {
  id: string;
  system: string;
  value: string;
  role: SystemRole;
}
const CARE: Org = { id: 'cp0', system: URA, value: '10000001', role: 'care-provider' };
const OTHER_CARE: Org = { id: 'cp1', system: URA, value: '10000002', role: 'care-provider' };
/** The delivery roles: two suppliers and a logistics provider, each the other's "another organisation". */
const DELIVERERS: Org[] = [
  { id: 's0', system: GLN, value: '8712345000011', role: 'supplier' },
  { id: 's1', system: GLN, value: '8712345000028', role: 'supplier' },
  { id: 'l0', system: GLN, value: '8712345000035', role: 'logistics' },
];
const MUNICIPALITY: Org = { id: 'm0', system: GEMEENTE, value: '0344', role: 'financier' };
const AUDITOR: Org = { id: 'a0', system: URA, value: '87654321', role: 'auditor' };
const ADMIN: Org = {
  id: 'hub',
  system: 'https://zorghub.example.org/fhir/NamingSystem/hub-operator',
  value: 'zorghub',
  role: 'admin',
};
const ORGS = [CARE, OTHER_CARE, ...DELIVERERS, MUNICIPALITY];

/** The organisation another delivery role's requests are addressed to. */
const otherThan = (org: Org) => DELIVERERS[(DELIVERERS.indexOf(org) + 1) % DELIVERERS.length];

const system = (org: Org): Principal => ({
  kind: 'system',
  clientId: org.id,
  role: org.role,
  organization: { system: org.system, value: org.value },
  dataServices: [],
  tokenId: 't',
});

/** Literal for some, logical (identifier only) for others: the policy must match both. */
const orgRef = (org: Org, literal: boolean) =>
  literal ? { reference: `Organization/${org.id}` } : { identifier: { system: org.system, value: org.value } };

// -- the data ------------------------------------------------------------------------------------------------

/** How a Device relates to the delivery role it is made for. */
const RELATIONS = [
  'owned',
  'held',
  'item of its SupplyRequest',
  'item of its SupplyDelivery',
  "item of another's SupplyRequest",
  'unrelated',
] as const;
type Relation = (typeof RELATIONS)[number];

/** The relations that open a Device to the delivery role (rules.ts, `<prefix>-devices`), stated from the issue. */
const OPENS: ReadonlySet<Relation> = new Set([
  'owned',
  'held',
  'item of its SupplyRequest',
  'item of its SupplyDelivery',
]);

const deviceId = (org: Org, relation: Relation) => `dev-${org.id}-${RELATIONS.indexOf(relation)}`;
/** The client of each delivery role's requests. */
const clientOf = (org: Org) => `c-${org.id}`;
const bsnOf = (org: Org) => ['999933218', '999911120', '999922010'][DELIVERERS.indexOf(org)];
const orderOf = (org: Org) => `SR-${org.id}`;

const resources: Resource[] = [
  ...ORGS.map(
    (o) =>
      ({
        resourceType: 'Organization',
        id: o.id,
        name: o.id,
        identifier: [{ system: o.system, value: o.value }],
      }) as Resource,
  ),
];
for (const [k, org] of DELIVERERS.entries()) {
  const patient = { reference: `Patient/${clientOf(org)}` };
  const literal = k % 2 === 0;
  resources.push(
    {
      resourceType: 'Patient',
      id: clientOf(org),
      identifier: [{ system: BSN, value: bsnOf(org) }],
      name: [{ family: `Klant ${org.id}` }],
      address: [{ city: 'Zwolle' }],
      birthDate: '1941-03-12',
    },
    // The delivery request addressed to it, placed by CARE: its order number names the client to it.
    {
      resourceType: 'SupplyRequest',
      id: `sr-${org.id}`,
      identifier: [{ system: ORDER, value: orderOf(org) }],
      status: 'active',
      itemReference: { reference: `Device/${deviceId(org, 'item of its SupplyRequest')}` },
      quantity: { value: 1 },
      requester: orgRef(CARE, true),
      supplier: [orgRef(org, literal)],
      deliverTo: patient,
    },
    // A request for another organisation's device, addressed to that other organisation.
    {
      resourceType: 'SupplyRequest',
      id: `sr-other-${org.id}`,
      identifier: [{ system: ORDER, value: `${orderOf(org)}-other` }],
      status: 'active',
      itemReference: { reference: `Device/${deviceId(org, "item of another's SupplyRequest")}` },
      quantity: { value: 1 },
      requester: orgRef(CARE, true),
      supplier: [orgRef(otherThan(org), !literal)],
      deliverTo: patient,
    },
    // A delivery it made, without a request for that device: delivered, the device is the client's to hold.
    {
      resourceType: 'SupplyDelivery',
      id: `sd-${org.id}`,
      status: 'completed',
      patient,
      supplier: orgRef(org, !literal),
      suppliedItem: { itemReference: { reference: `Device/${deviceId(org, 'item of its SupplyDelivery')}` } },
    },
  );
  for (const relation of RELATIONS) {
    // Every device but the owned one is the municipality's, and held by the client unless this role holds it.
    const owner = relation === 'owned' ? orgRef(org, literal) : orgRef(MUNICIPALITY, literal);
    const holder = relation === 'held' ? orgRef(org, !literal) : patient;
    resources.push({
      resourceType: 'Device',
      id: deviceId(org, relation),
      status: 'active',
      serialNumber: `SN-${org.id}-${RELATIONS.indexOf(relation)}`,
      owner,
      extension: [{ url: HOLDER, valueReference: holder }],
      ...(relation === 'held' ? {} : { patient }),
      location: { display: 'depot' },
      note: [{ text: `onderhoud ${org.id}` }],
    } as Device);
  }
}
await store.createMany(resources);

/** Whether `device` (made for `maker` with `relation`) is open to the delivery role `caller`. */
function opens(caller: Org, maker: Org, relation: Relation): boolean {
  if (caller === maker) return OPENS.has(relation);
  return relation === "item of another's SupplyRequest" && otherThan(maker) === caller;
}

const DEVICES = DELIVERERS.flatMap((maker) =>
  RELATIONS.map((relation) => ({ maker, relation, id: deviceId(maker, relation) })),
);

// -- naming the client ---------------------------------------------------------------------------------------

interface Lookup {
  name: string;
  org: Org;
  /** The delivery roles whose client it finds by BSN ('refused': the criterion itself is refused, a 403). */
  byBsn: Org[] | 'refused';
  /** The delivery roles whose client it finds through their order number. */
  byOrder: Org[];
}

/**
 * Who finds which client, per role. Care provider cp0 placed every request (care relation) and registers clients
 * by BSN (care-new-client); cp1 has no relation with these clients but may still find one by BSN to register an
 * order. A financier finds a beneficiary by BSN (finance-new-beneficiary) but reads no SupplyRequest, so no order
 * names anyone to it. A delivery role reads Patients under the delivery mask, which hides the BSN: that criterion is
 * refused; an order names its own client only. The auditor reads no Patient; the admin everything.
 */
const LOOKUPS: Lookup[] = [
  ...DELIVERERS.map((org) => ({ name: `${org.role} ${org.id}`, org, byBsn: 'refused' as const, byOrder: [org] })),
  { name: 'care provider with the care relation', org: CARE, byBsn: DELIVERERS, byOrder: DELIVERERS },
  { name: 'care provider without a care relation', org: OTHER_CARE, byBsn: DELIVERERS, byOrder: [] },
  { name: 'financier', org: MUNICIPALITY, byBsn: DELIVERERS, byOrder: [] },
  { name: 'auditor', org: AUDITOR, byBsn: [], byOrder: [] },
  { name: 'admin', org: ADMIN, byBsn: DELIVERERS, byOrder: DELIVERERS },
];

const bsnCriteria = (org: Org) => `identifier=${BSN}|${bsnOf(org)}`;
const orderCriteria = (order: string) => `_has:SupplyRequest:subject:identifier=${ORDER}|${order}`;

describe.each(LOOKUPS)('naming the client: $name', (lookup) => {
  const principal = system(lookup.org);

  it('resolves a conditional reference by BSN only as its role allows', async () => {
    const repository = await policyRepositoryFor(store, principal);
    for (const target of DELIVERERS) {
      const found = repository.findIds('Patient', bsnCriteria(target), 2);
      if (lookup.byBsn === 'refused') {
        await expect(found, target.id).rejects.toMatchObject({ statusCode: 403 });
        await expect(found, target.id).rejects.toThrow(/identifier of Patient reads Patient\.identifier/);
      } else {
        expect(await found, target.id).toEqual(lookup.byBsn.includes(target) ? [clientOf(target)] : []);
      }
    }
  });

  it('resolves a conditional reference through a delivery request only for the request it may read', async () => {
    const repository = await policyRepositoryFor(store, principal);
    for (const target of DELIVERERS) {
      expect(await repository.findIds('Patient', orderCriteria(orderOf(target)), 2), target.id).toEqual(
        lookup.byOrder.includes(target) ? [clientOf(target)] : [],
      );
    }
    // An order number nobody issued finds no one: the same answer as another organisation's order.
    expect(await repository.findIds('Patient', orderCriteria('SR-unknown'), 2)).toEqual([]);
  });

  it('searches the same way it resolves', async () => {
    const call = as(principal);
    for (const target of DELIVERERS) {
      const answer = await call('GET', `/Patient?${orderCriteria(orderOf(target))}`);
      if (lookup.org.role === 'auditor') {
        expect(answer.status, target.id).toBe(403); // the auditor may not search Patients at all
        continue;
      }
      expect(answer.status, `${target.id}: ${answer.diagnostics}`).toBe(200);
      const ids = ((answer.body as Bundle).entry ?? []).map((e) => e.resource!.id);
      expect(ids, target.id).toEqual(lookup.byOrder.includes(target) ? [clientOf(target)] : []);
    }
  });
});

// -- the devices of the delivery roles -----------------------------------------------------------------------

describe.each(DELIVERERS)('devices of $role $id', (caller) => {
  const call = as(system(caller));
  const open = DEVICES.filter((d) => opens(caller, d.maker, d.relation));

  it('is open to the devices it owns, holds, or that its requests and deliveries are about, and no other', () => {
    // The oracle itself: its own four, and the one another organisation's request is about that is addressed to it.
    expect(open.map((d) => d.relation).sort()).toEqual([...OPENS, "item of another's SupplyRequest"].sort());
  });

  it('reads exactly those, under the delivery mask', async () => {
    for (const device of DEVICES) {
      const answer = await call('GET', `/Device/${device.id}`);
      const expected = opens(caller, device.maker, device.relation) ? 200 : 404;
      expect(answer.status, `${device.maker.id} ${device.relation}`).toBe(expected);
      if (expected === 200) {
        expect((answer.body as Device).note, device.id).toBeUndefined();
        expect((answer.body as Device).serialNumber, device.id).toBeDefined();
        expect(
          answer.body!.meta?.security?.some((s) => s.code === 'SUBSETTED'),
          device.id,
        ).toBe(true);
      }
    }
  });

  it('searches exactly those', async () => {
    const answer = await call('GET', '/Device?_count=100');
    expect(answer.status).toBe(200);
    const ids = ((answer.body as Bundle).entry ?? []).map((e) => e.resource!.id!).sort();
    expect(ids).toEqual(open.map((d) => d.id).sort());
    const total = await call('GET', '/Device?_summary=count');
    expect((total.body as Bundle).total).toBe(open.length);
  });

  it('updates exactly those (where it is, who holds it), and leaves what the mask hides as stored', async () => {
    for (const device of DEVICES) {
      const stored = (await store.read('Device', device.id)).json;
      const body = { ...(JSON.parse(stored) as Device), location: { display: `bij ${caller.id}` } };
      delete body.note; // what a masked caller has of it
      const answer = await call('PUT', `/Device/${device.id}`, body);
      const allowed = opens(caller, device.maker, device.relation);
      expect(answer.status, `${device.maker.id} ${device.relation}: ${answer.diagnostics}`).toBe(allowed ? 200 : 404);
      const after = JSON.parse((await store.read('Device', device.id)).json) as Device;
      expect(after.location?.display, device.id).toBe(
        allowed ? `bij ${caller.id}` : JSON.parse(stored).location.display,
      );
      expect(after.note, device.id).toEqual(JSON.parse(stored).note);
    }
  });

  it('may not move a device out of its reach, nor register one that is nobody of its', async () => {
    // A device it holds, handed to the client without a delivery naming it: then outside its scope, refused.
    const held = JSON.parse((await store.read('Device', deviceId(caller, 'held'))).json) as Device;
    const away = await call('PUT', `/Device/${held.id}`, {
      ...held,
      extension: [{ url: HOLDER, valueReference: { reference: `Patient/${clientOf(caller)}` } }],
      patient: { reference: `Patient/${clientOf(caller)}` },
    });
    expect(away.status).toBe(403);
    expect(away.diagnostics).toMatch(/outside what this caller may update/);
    // A new device of the municipality, at the client, that no request or delivery of its names: refused.
    const stray = await call('PUT', `/Device/new-stray-${caller.id}`, {
      resourceType: 'Device',
      id: `new-stray-${caller.id}`,
      status: 'active',
      owner: orgRef(MUNICIPALITY, true),
      extension: [{ url: HOLDER, valueReference: { reference: `Patient/${clientOf(caller)}` } }],
      patient: { reference: `Patient/${clientOf(caller)}` },
    });
    expect(stray.status, stray.diagnostics).toBe(403);
    expect(stray.diagnostics).toMatch(/outside what this caller may update/);
    // The same device, once a delivery it made names it (what an ingested delivered row writes first): created.
    await store.createMany([
      {
        resourceType: 'SupplyDelivery',
        id: `sd-new-${caller.id}`,
        status: 'completed',
        patient: { reference: `Patient/${clientOf(caller)}` },
        supplier: orgRef(caller, true),
        suppliedItem: { itemReference: { reference: `Device/new-delivered-${caller.id}` } },
      },
    ]);
    const delivered = await call('PUT', `/Device/new-delivered-${caller.id}`, {
      resourceType: 'Device',
      id: `new-delivered-${caller.id}`,
      status: 'active',
      owner: orgRef(MUNICIPALITY, true),
      extension: [{ url: HOLDER, valueReference: { reference: `Patient/${clientOf(caller)}` } }],
      patient: { reference: `Patient/${clientOf(caller)}` },
    });
    expect(delivered.status, delivered.diagnostics).toBe(201);
  });
});
