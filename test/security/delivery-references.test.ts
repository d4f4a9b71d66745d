// A delivery role's own writes cannot widen what it sees. A supplier's or logistics provider's scope follows what it
// writes: the clients of the deliveries it made (DELIVERY_VIA), the devices it owns or holds. So a SupplyDelivery or
// Device naming a client, device or delivery request it may not read would open that resource to its writer. Its
// rules name only what it may read (rules.ts `namesOnlyVisible`): generated over both delivery roles, the written
// types and their reference elements, relative and absolute references, and every write path (POST, PUT as create,
// PUT of its own resource, JSON Patch, a transaction entry): a hidden target is a 403 that writes nothing and leaves
// the target hidden; a readable or not-yet-stored target is written.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { principalClient } from '../support/as-principal.js';
import { createTestDatabase } from '../support/database.js';

const BASE = 'http://hub.test';
const GLN = 'https://www.gs1.org/gln';
const { sql } = await createTestDatabase();
const store = new PgRepository(sql, { baseUrl: BASE });
const as = await principalClient(store, BASE);
const put = (resource: Resource) => store.update(resource);

interface Party {
  role: SystemRole;
  org: string;
  gln: string;
}
const ROLES: Party[] = [
  { role: 'supplier', org: 'sup', gln: '8712345000011' },
  { role: 'logistics', org: 'lsp', gln: '8712345000035' },
];
const OTHER = { org: 'elsewhere', gln: '8712345000099' };

const principal = (party: Party): Principal => ({
  kind: 'system',
  clientId: party.org,
  role: party.role,
  organization: { system: GLN, value: party.gln },
  dataServices: [],
  tokenId: 't',
});

// Per role: a client, a device and a delivery request it may read, the same of another organisation it may not.
for (const party of [...ROLES, OTHER]) {
  await put({ resourceType: 'Organization', id: party.org, identifier: [{ system: GLN, value: party.gln }] });
}
for (const party of ROLES) {
  for (const [kind, supplier] of [
    ['mine', party.org],
    ['hidden', OTHER.org],
  ] as const) {
    const tag = `${party.org}-${kind}`;
    await put({ resourceType: 'Patient', id: `p-${tag}`, name: [{ family: tag }] });
    await put({
      resourceType: 'SupplyRequest',
      id: `sr-${tag}`,
      status: 'active',
      itemCodeableConcept: { text: 'rollator' },
      quantity: { value: 1 },
      supplier: [{ reference: `Organization/${supplier}` }],
      deliverTo: { reference: `Patient/p-${tag}` },
    });
    await put({
      resourceType: 'Device',
      id: `d-${tag}`,
      status: 'active',
      owner: { reference: `Organization/${supplier}` },
      serialNumber: tag,
    });
  }
}

type Target = 'readable' | 'hidden' | 'not stored';
const TARGETS: Target[] = ['readable', 'hidden', 'not stored'];

/** Where a written resource names another, and which type it names. */
interface Slot {
  writes: 'SupplyDelivery' | 'Device';
  element: string;
  names: 'Patient' | 'Device' | 'SupplyRequest';
  /** The written resource with this slot naming `reference`, within the writer's own scope otherwise. */
  build: (party: Party, id: string, reference: string) => Resource;
}

const delivery = (party: Party, id: string, extra: Record<string, unknown>): Resource =>
  ({
    resourceType: 'SupplyDelivery',
    id,
    status: 'in-progress',
    supplier: { reference: `Organization/${party.org}` },
    ...extra,
  }) as Resource;
const device = (party: Party, id: string, extra: Record<string, unknown>): Resource =>
  ({
    resourceType: 'Device',
    id,
    status: 'active',
    owner: { reference: `Organization/${party.org}` },
    ...extra,
  }) as Resource;

const SLOTS: Slot[] = [
  {
    writes: 'SupplyDelivery',
    element: 'patient',
    names: 'Patient',
    build: (p, id, ref) => delivery(p, id, { patient: { reference: ref } }),
  },
  {
    writes: 'SupplyDelivery',
    element: 'suppliedItem.itemReference',
    names: 'Device',
    build: (p, id, ref) => delivery(p, id, { suppliedItem: { itemReference: { reference: ref } } }),
  },
  {
    writes: 'SupplyDelivery',
    element: 'basedOn',
    names: 'SupplyRequest',
    build: (p, id, ref) => delivery(p, id, { basedOn: [{ reference: ref }] }),
  },
  {
    writes: 'Device',
    element: 'patient',
    names: 'Patient',
    build: (p, id, ref) => device(p, id, { patient: { reference: ref } }),
  },
  {
    writes: 'Device',
    element: 'parent',
    names: 'Device',
    build: (p, id, ref) => device(p, id, { parent: { reference: ref } }),
  },
];

const PREFIX = { Patient: 'p', Device: 'd', SupplyRequest: 'sr' } as const;
const targetId = (party: Party, slot: Slot, target: Target) =>
  target === 'not stored'
    ? `${PREFIX[slot.names]}-${party.org}-absent`
    : `${PREFIX[slot.names]}-${party.org}-${target === 'readable' ? 'mine' : 'hidden'}`;

type Path = 'POST' | 'PUT as create' | 'PUT of its own' | 'PATCH of its own' | 'transaction';
const PATHS: Path[] = ['POST', 'PUT as create', 'PUT of its own', 'PATCH of its own', 'transaction'];

let serial = 0;

/** Writes `slot` naming `reference` by `path`; answers the status and the id of what it wrote or meant to write. */
async function write(party: Party, slot: Slot, reference: string, path: Path): Promise<{ status: number; id: string }> {
  const call = as(principal(party));
  const id = `w-${party.org}-${++serial}`;
  const resource = slot.build(party, id, reference);
  switch (path) {
    case 'POST': {
      const { id: _, ...body } = resource;
      const answer = await call('POST', `/${slot.writes}`, body);
      return { status: answer.status, id: answer.body?.id ?? '' };
    }
    case 'PUT as create':
      return { status: (await call('PUT', `/${slot.writes}/${id}`, resource)).status, id };
    case 'PUT of its own':
    case 'PATCH of its own': {
      // Its own resource, stored first without the reference; then the reference added.
      const plain = slot.writes === 'Device' ? device(party, id, {}) : delivery(party, id, {});
      expect((await call('PUT', `/${slot.writes}/${id}`, plain)).status).toBe(201);
      if (path === 'PUT of its own')
        return { status: (await call('PUT', `/${slot.writes}/${id}`, resource)).status, id };
      const element = slot.element.split('.')[0]; // the top-level element the reference sits in
      const value = (resource as unknown as Record<string, unknown>)[element];
      const answer = await call('PATCH', `/${slot.writes}/${id}`, [{ op: 'add', path: `/${element}`, value }]);
      return { status: answer.status, id };
    }
    case 'transaction': {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource, request: { method: 'PUT', url: `${slot.writes}/${id}` } }],
      };
      return { status: (await call('POST', '/', bundle)).status, id };
    }
  }
}

/** Whether anything of the written resource was stored (by the unrestricted storage). */
const stored = (type: string, id: string) => (id ? store.isVisible(type, id) : Promise.resolve(false));

const CASES = ROLES.flatMap((party) =>
  SLOTS.flatMap((slot) =>
    TARGETS.flatMap((target) =>
      PATHS.map((path) => ({
        party,
        slot,
        target,
        path,
        name: `${party.role} ${slot.writes}.${slot.element} -> ${target} ${slot.names}, by ${path}`,
      })),
    ),
  ),
);

describe('a delivery role names only what it may read', () => {
  it.each(CASES)('$name', async ({ party, slot, target, path }) => {
    const id = targetId(party, slot, target);
    const answer = await write(party, slot, `${slot.names}/${id}`, path);
    const reader = as(principal(party));
    if (target === 'hidden') {
      expect(answer.status).toBe(403);
      // Nothing written (a PUT or PATCH of its own leaves the first version, which names nothing).
      if (path === 'PUT of its own' || path === 'PATCH of its own') {
        const kept = await store.read(slot.writes, answer.id);
        expect(kept.versionId).toBe('1');
      } else {
        expect(await stored(slot.writes, answer.id)).toBe(false);
      }
      expect((await reader('GET', `/${slot.names}/${id}`)).status).toBe(404);
    } else {
      expect([200, 201]).toContain(answer.status);
      expect(await stored(slot.writes, answer.id)).toBe(true);
    }
  });

  it.each(ROLES)('$role: an absolute reference to a hidden client is the same reference, refused', async (party) => {
    const slot = SLOTS[0];
    const answer = await write(party, slot, `https://elsewhere.example/fhir/Patient/p-${party.org}-hidden`, 'POST');
    expect(answer.status).toBe(403);
    expect((await as(principal(party))('GET', `/Patient/p-${party.org}-hidden`)).status).toBe(404);
  });

  it.each(ROLES)(
    '$role: a reference it made before it lost sight of the target stays when it updates',
    async (party) => {
      // Stored by the hub (an earlier relation): its own delivery naming a delivery request now addressed elsewhere.
      const id = `kept-${party.org}`;
      await put(delivery(party, id, { basedOn: [{ reference: `SupplyRequest/sr-${party.org}-hidden` }] }));
      const answer = await as(principal(party))(
        'PUT',
        `/SupplyDelivery/${id}`,
        delivery(party, id, { status: 'completed', basedOn: [{ reference: `SupplyRequest/sr-${party.org}-hidden` }] }),
      );
      expect(answer.status).toBe(200);
    },
  );

  it.each(ROLES)('$role: the 403 says which reference and which rule', async (party) => {
    const call = as(principal(party));
    const answer = await call('POST', '/SupplyDelivery', {
      ...delivery(party, 'x', { patient: { reference: `Patient/p-${party.org}-hidden` } }),
      id: undefined,
    });
    expect(answer.diagnostics).toMatch(
      new RegExp(
        `names Patient/p-${party.org}-hidden, which this caller may not read \\(${party.role === 'supplier' ? 'supply' : 'logistics'}-deliveries names only what it may read\\)`,
      ),
    );
  });
});
