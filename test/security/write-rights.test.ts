// What a client, his delegate and the admin may change, generated over principals, types, elements and write paths.
// A client (PGO with the data services) and a delegate authorised "to change" may change the delivery window of a
// delivery request (`SupplyRequest.occurrence[x]`) and nothing else: not its supplier, status or items, no element
// of any other type; a delegate whose delegation names no element, or is read-only, changes nothing. The Consents
// the authorization server recorded (a PGO authorisation, a delegation) are never changed through the API, by anyone:
// they are only withdrawn (status active -> inactive), and none is created or deleted there. Every path: PUT, JSON
// Patch, and the same as a transaction or batch entry.
import type { Bundle, Consent, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { consentRecord } from '../../consent/oauth/consent-record.js';
import { CHANGEABLE_ELEMENT_SYSTEM } from '../../consent/oauth/delegation.js';
import type { Principal } from '../../server/contracts/principal.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { principalClient } from '../support/as-principal.js';
import { createTestDatabase } from '../support/database.js';

const BASE = 'http://hub.test';
const { sql } = await createTestDatabase();
const store = new PgRepository(sql, { baseUrl: BASE });
const as = await principalClient(store, BASE);

const put = async <T extends Resource>(resource: T): Promise<T> =>
  JSON.parse((await store.update(resource)).version.json) as T;
const patient = { reference: 'Patient/c1' };
await put({ resourceType: 'Patient', id: 'c1', name: [{ family: 'Vries' }] });
await put({ resourceType: 'Organization', id: 'lsp', name: 'Logistiek' });
await put({ resourceType: 'Organization', id: 'lsp2', name: 'Andere logistiek' });
await put({ resourceType: 'RelatedPerson', id: 'dochter', patient, name: [{ family: 'Vries' }] });

/** One rich resource per type a client can reach: every top-level element it has is a case. */
const RESOURCES: Resource[] = [
  {
    resourceType: 'SupplyRequest',
    id: 'sr1',
    status: 'active',
    category: { text: 'hulpmiddel' },
    priority: 'routine',
    itemCodeableConcept: { text: 'hoog-laagbed' },
    quantity: { value: 1 },
    occurrencePeriod: { start: '2027-01-10T09:00:00+01:00', end: '2027-01-10T12:00:00+01:00' },
    authoredOn: '2026-12-01',
    supplier: [{ reference: 'Organization/lsp' }],
    deliverTo: patient,
    reasonCode: [{ text: 'valrisico' }],
  } as Resource,
  {
    resourceType: 'SupplyDelivery',
    id: 'sd1',
    status: 'in-progress',
    patient,
    supplier: { reference: 'Organization/lsp' },
    basedOn: [{ reference: 'SupplyRequest/sr1' }],
    occurrenceDateTime: '2027-01-10T10:00:00+01:00',
  },
  {
    resourceType: 'DeviceRequest',
    id: 'dr1',
    status: 'active',
    intent: 'order',
    subject: patient,
    codeCodeableConcept: { text: 'rolstoel' },
    occurrenceDateTime: '2027-01-01',
    performer: { reference: 'Organization/lsp' },
  },
  {
    resourceType: 'Device',
    id: 'dev1',
    status: 'active',
    patient,
    owner: { reference: 'Organization/lsp' },
    serialNumber: 'SN-1',
  },
  { resourceType: 'CarePlan', id: 'cpl1', status: 'active', intent: 'plan', subject: patient, title: 'Zorgplan' },
  {
    resourceType: 'Coverage',
    id: 'cov1',
    status: 'active',
    beneficiary: patient,
    payor: [{ reference: 'Organization/lsp' }],
  },
];
for (const resource of RESOURCES) await put(JSON.parse(JSON.stringify(resource)) as Resource);

const ALL_SERVICES = ['basisgegevens', 'zorgplan', 'hulpmiddelen', 'leveringen', 'financiering'];
const person: Principal = {
  kind: 'person',
  clientId: 'pgo',
  patient: 'Patient/c1',
  dataServices: ALL_SERVICES,
  tokenId: 't',
};
const delegate = (changeable?: string[], readOnly = false): Principal => ({
  kind: 'delegate',
  clientId: 'pgo',
  patient: 'Patient/c1',
  actor: 'RelatedPerson/dochter',
  dataServices: ALL_SERVICES,
  tokenId: 't',
  ...(changeable ? { changeable } : {}),
  ...(readOnly ? { readOnly } : {}),
});
const admin: Principal = { kind: 'system', clientId: 'admin', role: 'admin', dataServices: [], tokenId: 't' };

/** Who may change the delivery window, and nothing else. */
const WINDOW_WRITERS: { name: string; principal: Principal; window: boolean }[] = [
  { name: 'the client', principal: person, window: true },
  {
    name: 'a delegate authorised to change the window',
    principal: delegate(['SupplyRequest.occurrence[x]']),
    window: true,
  },
  { name: 'a delegate of an older delegation (the data services decide)', principal: delegate(), window: true },
  { name: 'a delegate whose delegation names no element', principal: delegate([]), window: false },
  { name: 'a read-only delegate', principal: delegate(undefined, true), window: false },
];

type Path = 'PUT' | 'PATCH' | 'transaction PUT' | 'batch PATCH';
const PATHS: Path[] = ['PUT', 'PATCH', 'transaction PUT', 'batch PATCH'];

/** Writes `next` over `stored` by `path`; the status of the write (a batch entry's own). */
async function write(
  principal: Principal,
  path: Path,
  stored: Resource,
  next: Resource,
  operations: object[],
): Promise<number> {
  const call = as(principal);
  const url = `${stored.resourceType}/${stored.id}`;
  switch (path) {
    case 'PUT':
      return (await call('PUT', `/${url}`, next)).status;
    case 'PATCH':
      return (await call('PATCH', `/${url}`, operations)).status;
    case 'transaction PUT': {
      const answer = await call('POST', '/', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'PUT', url }, resource: next }],
      });
      return answer.status === 200
        ? Number.parseInt((answer.body as Bundle).entry![0].response!.status, 10)
        : answer.status;
    }
    case 'batch PATCH': {
      const data = Buffer.from(JSON.stringify(operations)).toString('base64');
      const answer = await call('POST', '/', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            request: { method: 'PATCH', url },
            resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data },
          },
        ],
      });
      return Number.parseInt((answer.body as Bundle).entry![0].response!.status, 10);
    }
  }
}

const current = async (type: string, id: string) => JSON.parse((await store.read(type, id)).json) as Resource;
const elementsOf = (resource: Resource) =>
  Object.keys(resource).filter((name) => !['resourceType', 'id', 'meta'].includes(name));

/** Every element of every resource, removed: each a change of that one element. */
const REMOVALS = RESOURCES.flatMap((resource) =>
  elementsOf(JSON.parse(JSON.stringify(resource))).map((element) => ({
    type: resource.resourceType,
    id: resource.id!,
    element,
  })),
);
const CHANGES = WINDOW_WRITERS.flatMap((writer) =>
  REMOVALS.flatMap((removal) => PATHS.map((path) => ({ ...removal, path, writer: writer.name }))),
);

describe('the write rights of a client and his delegate', () => {
  it.each(CHANGES)(
    '$writer: removing the element $element of $type by $path is refused unless it is the delivery window',
    async ({ type, id, element, path, writer }) => {
      const { principal } = WINDOW_WRITERS.find((w) => w.name === writer)!;
      const stored = await current(type, id);
      const { [element]: _removed, ...next } = stored as unknown as Record<string, unknown>;
      const status = await write(principal, path, stored, next as unknown as Resource, [
        { op: 'remove', path: `/${element}` },
      ]);
      // A write that is allowed may still be refused by validation (a required element): never by the policy then.
      const window = type === 'SupplyRequest' && element.startsWith('occurrence');
      if (!window) expect(status).toBe(403);
      expect(await current(type, id)).toEqual(window && status < 300 ? expect.anything() : stored);
      if (window && status < 300) await put(JSON.parse(JSON.stringify(RESOURCES[0])) as Resource); // put the window back
    },
  );

  it.each(WINDOW_WRITERS.flatMap((writer) => PATHS.map((path) => ({ writer: writer.name, path }))))(
    '$writer: changing the delivery window by $path',
    async ({ writer, path }) => {
      const { principal, window } = WINDOW_WRITERS.find((w) => w.name === writer)!;
      const stored = await current('SupplyRequest', 'sr1');
      const occurrencePeriod = { start: '2027-01-11T13:00:00+01:00', end: '2027-01-11T17:00:00+01:00' };
      const status = await write(principal, path, stored, { ...stored, occurrencePeriod } as Resource, [
        { op: 'replace', path: '/occurrencePeriod', value: occurrencePeriod },
      ]);
      expect(status).toBe(window ? 200 : 403);
      const after = (await current('SupplyRequest', 'sr1')) as { occurrencePeriod?: unknown };
      expect(after.occurrencePeriod).toEqual(
        window ? occurrencePeriod : (stored as { occurrencePeriod?: unknown }).occurrencePeriod,
      );
    },
  );

  it('refuses a new supplier with a 403 that names the element', async () => {
    const stored = await current('SupplyRequest', 'sr1');
    const answer = await as(delegate(['SupplyRequest.occurrence[x]']))('PUT', '/SupplyRequest/sr1', {
      ...stored,
      supplier: [{ reference: 'Organization/lsp2' }],
    });
    expect(answer).toMatchObject({ status: 403, code: 'HUB_ERR_AUTH_INSUFFICIENT_SCOPE' });
  });
});

// -- the authorization server's Consents --------------------------------------------------------------------

const now = new Date('2026-12-01T10:00:00Z');
const authorisation = consentRecord({
  patient: 'Patient/c1',
  clientId: 'pgo',
  clientName: 'PGO',
  dataServices: ['leveringen'],
  once: false,
  now,
});
const delegation: Consent = {
  ...consentRecord({
    patient: 'Patient/c1',
    clientId: 'pgo',
    clientName: 'PGO',
    dataServices: ['leveringen'],
    once: false,
    now,
  }),
  category: [
    { coding: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/consent-category', code: 'delegation' }] },
  ],
  provision: {
    type: 'permit',
    actor: [{ role: { text: 'agent' }, reference: { reference: 'RelatedPerson/dochter' } }],
    class: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/data-service', code: 'leveringen' }],
    provision: [
      {
        type: 'permit',
        action: [{ coding: [{ code: 'correct' }] }],
        code: [{ coding: [{ system: CHANGEABLE_ELEMENT_SYSTEM, code: 'SupplyRequest.occurrence[x]' }] }],
      },
    ],
  },
};
const KINDS = { 'PGO authorisation': authorisation, delegation };
const CONSENT_WRITERS: Record<string, Principal> = {
  'the client': person,
  'the client without data services': { ...person, dataServices: [] },
  'the admin': admin,
  'a delegate': delegate(),
};

/** Every mutation of an authorisation Consent but the withdrawal itself. */
function mutations(consent: Consent): { name: string; next: (c: Consent) => Consent }[] {
  return [
    ...elementsOf(consent)
      .filter((e) => e !== 'status')
      .map((element) => ({
        name: `removing ${element}`,
        next: (c: Consent) => {
          const { [element as keyof Consent]: _gone, ...rest } = c;
          return rest as Consent;
        },
      })),
    {
      name: 'adding a data service',
      next: (c: Consent) => ({
        ...c,
        provision: {
          ...c.provision,
          class: [
            ...(c.provision?.class ?? []),
            { system: 'https://zorghub.example.org/fhir/CodeSystem/data-service', code: 'zorgplan' },
          ],
        },
      }),
    },
    {
      name: 'withdrawing and widening at once',
      next: (c: Consent) => ({
        ...c,
        status: 'inactive',
        provision: { ...c.provision, period: { start: '2020-01-01' } },
      }),
    },
    { name: 'status entered-in-error', next: (c: Consent) => ({ ...c, status: 'entered-in-error' }) },
  ];
}
let serial = 0;
async function storedConsent(kind: keyof typeof KINDS, status: Consent['status'] = 'active'): Promise<Consent> {
  return put({ ...KINDS[kind], id: `auth-${++serial}`, status } as Consent);
}
const CONSENT_CASES = Object.keys(KINDS).flatMap((kind) =>
  Object.keys(CONSENT_WRITERS).flatMap((writer) =>
    mutations(KINDS[kind as keyof typeof KINDS]).flatMap((mutation) =>
      (['PUT', 'PATCH'] as const).map((path) => ({ kind, writer, mutation: mutation.name, path })),
    ),
  ),
);

describe("the authorization server's Consents", () => {
  it.each(CONSENT_CASES)(
    '$writer: $mutation of a $kind by $path is refused',
    async ({ kind, writer, mutation, path }) => {
      const stored = await storedConsent(kind as keyof typeof KINDS);
      const next = mutations(stored)
        .find((m) => m.name === mutation)!
        .next(stored);
      const operations = wholeReplace(stored, next);
      const call = as(CONSENT_WRITERS[writer]);
      const answer =
        path === 'PUT'
          ? await call('PUT', `/Consent/${stored.id}`, next)
          : await call('PATCH', `/Consent/${stored.id}`, operations);
      expect([403, 404]).toContain(answer.status); // 404: a delegate does not see the client's authorisations at all
      expect(await current('Consent', stored.id!)).toEqual(stored);
    },
  );

  it.each(
    Object.keys(KINDS).flatMap((kind) =>
      ['the client', 'the client without data services', 'the admin'].map((writer) => ({ kind, writer })),
    ),
  )('$writer may withdraw a $kind, and not reactivate it', async ({ kind, writer }) => {
    const stored = await storedConsent(kind as keyof typeof KINDS);
    const call = as(CONSENT_WRITERS[writer]);
    expect((await call('PUT', `/Consent/${stored.id}`, { ...stored, status: 'inactive' })).status).toBe(200);
    const withdrawn = await current('Consent', stored.id!);
    expect((withdrawn as Consent).status).toBe('inactive');
    expect((await call('PUT', `/Consent/${stored.id}`, { ...withdrawn, status: 'active' })).status).toBe(403);
    expect(
      (await call('PATCH', `/Consent/${stored.id}`, [{ op: 'replace', path: '/status', value: 'active' }])).status,
    ).toBe(403);
  });

  it.each(Object.keys(KINDS).flatMap((kind) => Object.keys(CONSENT_WRITERS).map((writer) => ({ kind, writer }))))(
    '$writer may not create or delete a $kind through the API',
    async ({ kind, writer }) => {
      const call = as(CONSENT_WRITERS[writer]);
      const { id: _id, ...fresh } = KINDS[kind as keyof typeof KINDS];
      expect((await call('POST', '/Consent', fresh)).status).toBe(403);
      expect((await call('PUT', `/Consent/new-${++serial}`, { ...fresh, id: `new-${serial}` })).status).toBe(403);
      const stored = await storedConsent(kind as keyof typeof KINDS);
      expect([403, 404]).toContain((await call('DELETE', `/Consent/${stored.id}`)).status);
      expect(await current('Consent', stored.id!)).toEqual(stored);
    },
  );
});

/** A JSON Patch that turns `stored` into `next`: removes and replaces of its top-level elements. */
function wholeReplace(stored: Consent, next: Consent): object[] {
  const before = stored as unknown as Record<string, unknown>;
  const after = next as unknown as Record<string, unknown>;
  const ops: object[] = [];
  for (const name of Object.keys(before))
    if (!(name in after) && name !== 'meta') ops.push({ op: 'remove', path: `/${name}` });
  for (const [name, value] of Object.entries(after))
    if (name !== 'meta' && JSON.stringify(before[name]) !== JSON.stringify(value))
      ops.push({ op: name in before ? 'replace' : 'add', path: `/${name}`, value });
  return ops;
}
