// Cross-tenant isolation, generated: clients whose orders, coverage, deliveries and devices belong to different care
// providers, suppliers, a logistics provider and financiers, and for every principal an independent statement of
// what it may see (the oracle below, written from the data model, not from the policy code). No principal may read,
// search, count, page, include, revinclude, chain or _has its way to anything else; masks hold; writes stay inside.
// Some clients have data-sharing directives (by organisation or category, active or not, in period or not), and the
// oracle states what each one changes for whom.
import type { Bundle, Device, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
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
const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';
const HUB = 'https://zorghub.example.org/fhir';
interface Org {
  id: string;
  system: string;
  value: string;
  role: SystemRole;
}
const CARE: Org[] = [
  { id: 'cp0', system: URA, value: '10000001', role: 'care-provider' },
  { id: 'cp1', system: URA, value: '10000002', role: 'care-provider' },
];
const SUPPLIERS: Org[] = [
  { id: 's0', system: GLN, value: '8712345000011', role: 'supplier' },
  { id: 's1', system: GLN, value: '8712345000028', role: 'supplier' },
];
const LOGISTICS: Org = { id: 'l0', system: GLN, value: '8712345000035', role: 'logistics' };
const FINANCIERS: Org[] = [
  { id: 'f0', system: UZOVI, value: '3311', role: 'financier' },
  { id: 'f1', system: UZOVI, value: '3312', role: 'financier' },
];
const ORGS = [...CARE, ...SUPPLIERS, LOGISTICS, ...FINANCIERS];
const CLIENTS = 10;

/** Literal for some, logical (identifier only) for others: the policy must match both. */
const orgRef = (org: Org, literal: boolean) =>
  literal ? { reference: `Organization/${org.id}` } : { identifier: { system: org.system, value: org.value } };

interface Client {
  i: number;
  care: Org;
  supplier: Org;
  deliverer: Org;
  financier: Org;
}
const clients: Client[] = Array.from({ length: CLIENTS }, (_, i) => ({
  i,
  care: CARE[i % 2],
  supplier: SUPPLIERS[i % 2],
  deliverer: i % 3 === 0 ? LOGISTICS : SUPPLIERS[i % 2],
  financier: FINANCIERS[(i >> 1) % 2],
}));

const resources: Resource[] = [
  // f1 declares itself a health insurer (organisation-role), f0 declares nothing: category directives reach f1 only.
  ...ORGS.map(
    (o) =>
      ({
        resourceType: 'Organization',
        id: o.id,
        name: o.id,
        identifier: [{ system: o.system, value: o.value }],
        ...(o.id === 'f1'
          ? { type: [{ coding: [{ system: `${HUB}/CodeSystem/organisation-role`, code: 'health-insurer' }] }] }
          : {}),
      }) as Resource,
  ),
  // A client nobody has a relation with.
  { resourceType: 'Patient', id: 'loner', name: [{ family: 'Alleen' }] },
  {
    resourceType: 'CarePlan',
    id: 'cpl-loner',
    status: 'active',
    intent: 'plan',
    subject: { reference: 'Patient/loner' },
  },
];
for (const { i, care, supplier, deliverer, financier } of clients) {
  const patient = { reference: `Patient/c${i}` };
  resources.push(
    {
      resourceType: 'Patient',
      id: `c${i}`,
      name: [{ family: `Familie${i}` }],
      address: [{ city: 'Zwolle' }],
      telecom: [{ system: 'phone', value: `06${i}` }],
      birthDate: '1940-01-01',
      gender: 'female',
    },
    {
      resourceType: 'Coverage',
      id: `cov${i}`,
      status: 'active',
      beneficiary: patient,
      payor: [orgRef(financier, i % 2 === 0)],
    },
    {
      resourceType: 'DeviceRequest',
      id: `dr${i}`,
      status: 'active',
      intent: 'order',
      subject: patient,
      codeCodeableConcept: { text: 'rolstoel' },
      requester: orgRef(care, true),
      performer: orgRef(supplier, i % 4 < 2),
      insurance: [{ reference: `Coverage/cov${i}` }],
      reasonCode: [{ text: `diagnose ${i}` }],
      note: [{ text: `notitie ${i}` }],
    },
    {
      resourceType: 'SupplyRequest',
      id: `sr${i}`,
      status: 'active',
      itemCodeableConcept: { text: 'rolstoel' },
      quantity: { value: 1 },
      deliverTo: patient,
      supplier: [orgRef(deliverer, true)],
      reasonCode: [{ text: `diagnose ${i}` }],
      extension: [
        {
          url: 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-based-on',
          valueReference: { reference: `DeviceRequest/dr${i}` },
        },
      ],
    },
    {
      resourceType: 'SupplyDelivery',
      id: `sd${i}`,
      status: 'in-progress',
      patient,
      supplier: orgRef(deliverer, true),
      basedOn: [{ reference: `SupplyRequest/sr${i}` }],
    },
    {
      resourceType: 'Device',
      id: `dev${i}`,
      status: 'active',
      patient,
      owner: orgRef(supplier, true),
      note: [{ text: `onderhoud ${i}` }],
    },
    {
      resourceType: 'CarePlan',
      id: `cpl${i}`,
      status: 'active',
      intent: 'plan',
      subject: patient,
      ...(i % 2 === 0 ? { activity: [{ detail: { status: 'in-progress', performer: [orgRef(care, true)] } }] } : {}),
    },
    {
      resourceType: 'Consent',
      id: `con${i}`,
      status: 'active',
      scope: { text: 'patient-privacy' },
      category: [{ text: 'toestemming' }],
      patient,
      policyRule: { text: 'opt-in' },
    },
  );
}

/** The clients' data-sharing directives; the oracle below says, per principal, what each one changes. */
interface Directive {
  id: string;
  client: number;
  type: 'permit' | 'deny';
  to: { org: Org; literal: boolean } | { category: string };
  services: string[];
  status?: 'inactive';
  end?: string;
}
const DIRECTIVES: Directive[] = [
  { id: 'dir-c2-no-care-plans', client: 2, type: 'deny', to: { category: 'care-provider' }, services: ['zorgplan'] },
  {
    id: 'dir-c3-aids-to-cp0',
    client: 3,
    type: 'permit',
    to: { org: CARE[0], literal: true },
    services: ['hulpmiddelen'],
  },
  {
    id: 'dir-c6-withdrawn',
    client: 6,
    type: 'deny',
    to: { org: CARE[0], literal: true },
    services: ['zorgplan'],
    status: 'inactive',
  },
  {
    id: 'dir-c8-expired',
    client: 8,
    type: 'deny',
    to: { org: CARE[0], literal: false },
    services: ['zorgplan'],
    end: '2020-12-31',
  },
  {
    id: 'dir-c1-no-aids-to-f0',
    client: 1,
    type: 'deny',
    to: { org: FINANCIERS[0], literal: false },
    services: ['hulpmiddelen'],
  },
  {
    id: 'dir-c0-no-aids-to-insurers',
    client: 0,
    type: 'deny',
    to: { category: 'health-insurer' },
    services: ['hulpmiddelen'],
  },
  {
    id: 'dir-c2-no-aids-to-insurers',
    client: 2,
    type: 'deny',
    to: { category: 'health-insurer' },
    services: ['hulpmiddelen'],
  },
  {
    id: 'dir-c3-no-deliveries-to-insurers',
    client: 3,
    type: 'deny',
    to: { category: 'health-insurer' },
    services: ['leveringen'],
  },
  {
    id: 'dir-c4-no-aids-to-suppliers',
    client: 4,
    type: 'deny',
    to: { category: 'aids-supplier' },
    services: ['hulpmiddelen'],
  },
];
for (const d of DIRECTIVES) {
  const actor =
    'category' in d.to
      ? {
          extension: [
            {
              url: `${HUB}/StructureDefinition/hub-ext-recipient-category`,
              valueCoding: { system: `${HUB}/CodeSystem/organisation-role`, code: d.to.category },
            },
          ],
          reference: { display: d.to.category },
        }
      : {
          reference: d.to.literal
            ? { reference: `Organization/${d.to.org.id}` }
            : { identifier: { system: d.to.org.system, value: d.to.org.value } },
        };
  resources.push({
    resourceType: 'Consent',
    id: d.id,
    status: d.status ?? 'active',
    scope: { text: 'patient-privacy' },
    policyRule: { text: 'opt-in' },
    category: [{ coding: [{ system: `${HUB}/CodeSystem/consent-category`, code: 'data-sharing' }] }],
    patient: { reference: `Patient/c${d.client}` },
    provision: {
      type: d.type,
      period: { start: '2020-01-01', ...(d.end ? { end: d.end } : {}) },
      actor: [{ role: { text: 'information recipient' }, ...actor }],
      class: d.services.map((code) => ({ system: `${HUB}/CodeSystem/data-service`, code })),
    },
  } as Resource);
}
await store.createMany(resources);

const TYPES = [
  'Patient',
  'Coverage',
  'DeviceRequest',
  'SupplyRequest',
  'SupplyDelivery',
  'Device',
  'CarePlan',
  'Consent',
  'Organization',
];
const ALL: Record<string, string[]> = Object.fromEntries(
  TYPES.map((t) => [
    t,
    resources
      .filter((r) => r.resourceType === t)
      .map((r) => r.id!)
      .sort(),
  ]),
);

type Visible = Partial<Record<string, string[]>>;
/** The resources of client i, by type. */
const ofClient = (i: number): Visible => ({
  Patient: [`c${i}`],
  Coverage: [`cov${i}`],
  DeviceRequest: [`dr${i}`],
  SupplyRequest: [`sr${i}`],
  SupplyDelivery: [`sd${i}`],
  Device: [`dev${i}`],
  CarePlan: [`cpl${i}`],
  Consent: [`con${i}`, ...DIRECTIVES.filter((d) => d.client === i).map((d) => d.id)],
});
const without = (list: string[], ...gone: string[]) => list.filter((id) => !gone.includes(id));
const ids = (prefix: string, which: Client[]) => which.map((c) => `${prefix}${c.i}`);

interface Case {
  name: string;
  principal: Principal;
  visible: Visible;
  denied: string[];
  masked?: Record<string, string[]>;
}

const system = (org: Org): Principal => ({
  kind: 'system',
  clientId: org.id,
  role: org.role,
  organization: { system: org.system, value: org.value },
  dataServices: [],
  tokenId: 't',
});
const ALL_SERVICES = ['basisgegevens', 'zorgplan', 'hulpmiddelen', 'leveringen', 'financiering', 'toegangslog'];

const cases: Case[] = [
  ...[0, 1, 4].map(
    (k): Case => ({
      name: `person c${k}`,
      principal: {
        kind: 'person',
        clientId: 'pgo',
        patient: `Patient/c${k}`,
        dataServices: ALL_SERVICES,
        tokenId: 't',
      },
      // His financier's Organization only where his Coverage references it literally.
      visible: { ...ofClient(k), Organization: k % 2 === 0 ? [clients[k].financier.id] : [] },
      denied: [],
    }),
  ),
  ...CARE.map((org, j): Case => {
    const mine = clients.filter((c) => c.i % 2 === j);
    const visible: Visible = { Organization: ALL.Organization };
    for (const type of TYPES.filter((t) => t !== 'Organization'))
      visible[type] = mine.flatMap((c) => ofClient(c.i)[type]!);
    // c2 denies every care provider her care plan; c3 lets cp0 see her aids without a care relation. c6's denial
    // of cp0 is withdrawn and c8's expired: they change nothing.
    visible.CarePlan = without(visible.CarePlan!, 'cpl2');
    if (org.id === 'cp0') {
      visible.DeviceRequest = [...visible.DeviceRequest!, 'dr3'];
      visible.Device = [...visible.Device!, 'dev3'];
    }
    return { name: `care provider ${org.id}`, principal: system(org), visible, denied: [] };
  }),
  ...SUPPLIERS.map((org, j): Case => {
    const mine = clients.filter((c) => c.i % 2 === j);
    const delivers = mine.filter((c) => c.i % 3 !== 0);
    return {
      name: `supplier ${org.id}`,
      principal: system(org),
      // c4 denies every aids supplier her aids (orders and devices); her deliveries are another data category.
      visible: {
        Patient: ids('c', mine),
        DeviceRequest: without(ids('dr', mine), 'dr4'),
        SupplyRequest: ids('sr', delivers),
        SupplyDelivery: ids('sd', delivers),
        Device: without(ids('dev', mine), 'dev4'),
        Organization: ALL.Organization,
      },
      denied: ['Coverage', 'CarePlan', 'Consent'],
      masked: {
        DeviceRequest: ['reasonCode', 'note', 'insurance', 'requester'],
        SupplyRequest: ['reasonCode'],
        Patient: ['birthDate', 'gender'],
        Device: ['note'],
      },
    };
  }),
  (() => {
    const mine = clients.filter((c) => c.i % 3 === 0);
    return {
      name: 'logistics l0',
      principal: system(LOGISTICS),
      visible: {
        Patient: ids('c', mine),
        DeviceRequest: [],
        SupplyRequest: ids('sr', mine),
        SupplyDelivery: ids('sd', mine),
        Device: [],
        Organization: ALL.Organization,
      },
      denied: ['Coverage', 'CarePlan', 'Consent'],
      masked: { SupplyRequest: ['reasonCode'], Patient: ['birthDate', 'gender'] },
    };
  })(),
  ...FINANCIERS.map((org, m): Case => {
    const mine = clients.filter((c) => (c.i >> 1) % 2 === m);
    return {
      name: `financier ${org.id}`,
      principal: system(org),
      // c1 denies f0 her aids by name; c0 and c2 deny every health insurer, which only f1 declares itself to be, and c3
      // its deliveries. The deliveries are each financier's through the request and the order they serve.
      visible: {
        Patient: ids('c', mine),
        Coverage: ids('cov', mine),
        DeviceRequest: without(ids('dr', mine), ...(m === 0 ? ['dr1'] : ['dr0', 'dr2'])),
        SupplyDelivery: without(ids('sd', mine), ...(m === 0 ? [] : ['sd3'])),
        Organization: ALL.Organization,
      },
      denied: ['SupplyRequest', 'Device', 'CarePlan', 'Consent'],
      masked: { Patient: ['telecom'] },
    };
  }),
  {
    name: 'auditor',
    principal: {
      kind: 'system',
      clientId: 'audit',
      role: 'auditor',
      organization: { system: URA, value: '87654321' },
      dataServices: [],
      tokenId: 't',
    },
    visible: { Consent: ALL.Consent },
    denied: TYPES.filter((t) => t !== 'Consent'),
  },
];

/** Suppliers and logistics providers see orders and clients under the delivery mask (rules.ts). */
function deliveryMasked(c: Case): boolean {
  return c.principal.role === 'supplier' || c.principal.role === 'logistics';
}

/** An element of a resource by its JSON name (throws without a resource, as reading it would). */
function elementOf(resource: Resource | undefined, name: string): unknown {
  return (resource as unknown as Record<string, unknown>)[name];
}

async function searchAll(
  call: ReturnType<typeof as>,
  url: string,
): Promise<{ ids: string[]; included: Resource[]; pages: number }> {
  const found: string[] = [];
  const included: Resource[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next) {
    const answer = await call('GET', next);
    expect(answer.status, `${url}: ${answer.code}`).toBe(200);
    const bundle = answer.body as Bundle;
    for (const entry of bundle.entry ?? []) {
      if (entry.search?.mode === 'include') {
        included.push(entry.resource!);
      } else {
        found.push(entry.resource!.id!);
      }
    }
    const link = bundle.link?.find((l) => l.relation === 'next')?.url;
    next = link ? link.slice(BASE.length) : undefined;
    pages++;
  }
  return { ids: found.sort(), included, pages };
}

const visibleSet = (c: Case) =>
  new Set(Object.entries(c.visible).flatMap(([type, list]) => (list ?? []).map((id) => `${type}/${id}`)));

describe.each(cases)('isolation: $name', (c) => {
  const call = as(c.principal);
  const expected = (type: string) => [...(c.visible[type] ?? [])].sort();

  it('searches, counts and pages to exactly what it may see; a type it may not use is a 403', async () => {
    for (const type of TYPES) {
      if (c.denied.includes(type)) {
        expect((await call('GET', `/${type}`)).status, type).toBe(403);
        continue;
      }
      expect((await searchAll(call, `/${type}?_count=1000`)).ids, type).toEqual(expected(type));
      const paged = await searchAll(call, `/${type}?_count=3`);
      expect(paged.ids, `${type} paged`).toEqual(expected(type));
      expect(((await call('GET', `/${type}?_summary=count`)).body as Bundle).total, `${type} total`).toBe(
        expected(type).length,
      );
      expect(((await call('GET', `/${type}?_total=accurate&_count=1`)).body as Bundle).total, `${type} _total`).toBe(
        expected(type).length,
      );
    }
  });

  it('reads what it may see, and gets 404 for everything else of a type it may read', async () => {
    for (const type of TYPES) {
      for (const id of ALL[type]) {
        const answer = await call('GET', `/${type}/${id}`);
        const status = c.denied.includes(type) ? 403 : expected(type).includes(id) ? 200 : 404;
        expect(answer.status, `${type}/${id}`).toBe(status);
        if (status === 200) {
          expect((await call('GET', `/${type}/${id}/_history/1`)).status, `${type}/${id} vread`).toBe(200);
        } else if (status === 404) {
          expect((await call('GET', `/${type}/${id}/_history/1`)).status, `${type}/${id} vread`).toBe(404);
          expect((await call('GET', `/${type}/${id}/_history`)).status, `${type}/${id} history`).not.toBe(200);
        }
      }
    }
  });

  it('includes and revincludes nothing it may not see', async () => {
    const seen = visibleSet(c);
    const urls = [
      '/DeviceRequest?_include=DeviceRequest:subject&_include=DeviceRequest:insurance&_include=DeviceRequest:performer&_include=DeviceRequest:requester',
      '/Patient?_revinclude=DeviceRequest:subject&_revinclude=Coverage:beneficiary&_revinclude=SupplyRequest:subject&_revinclude=CarePlan:subject',
      '/SupplyRequest?_include=SupplyRequest:subject&_include:iterate=Patient:organization&_revinclude:iterate=SupplyDelivery:patient',
    ];
    for (const url of urls) {
      const type = url.slice(1, url.indexOf('?'));
      if (c.denied.includes(type)) continue;
      // Under the delivery mask, an include through a hidden element (DeviceRequest.insurance and .requester,
      // Patient.managingOrganization) is itself refused (test/security/masked-search.test.ts).
      if (deliveryMasked(c) && url !== urls[1]) {
        expect((await call('GET', url)).status, url).toBe(403);
        continue;
      }
      const { included } = await searchAll(call, url);
      for (const resource of included) {
        expect(
          seen.has(`${resource.resourceType}/${resource.id}`),
          `${url} included ${resource.resourceType}/${resource.id}`,
        ).toBe(true);
      }
    }
  });

  it('learns nothing through chains or _has about what it may not see', async () => {
    if (!c.denied.includes('DeviceRequest')) {
      for (const { i } of clients) {
        const { ids: found } = await searchAll(call, `/DeviceRequest?subject:Patient.family=Familie${i}`);
        const visiblePatient = expected('Patient').includes(`c${i}`);
        expect(found, `chain to c${i}`).toEqual(
          visiblePatient && expected('DeviceRequest').includes(`dr${i}`) ? [`dr${i}`] : [],
        );
      }
      if (deliveryMasked(c)) {
        // DeviceRequest.insurance is hidden under the delivery mask: no criterion through it.
        expect((await call('GET', '/DeviceRequest?insurance:Coverage.status=active')).status).toBe(403);
      } else {
        const { ids: byPayor } = await searchAll(call, `/DeviceRequest?insurance:Coverage.status=active`);
        expect(byPayor).toEqual(
          c.denied.includes('Coverage')
            ? []
            : expected('DeviceRequest').filter((id) => expected('Coverage').includes(id.replace('dr', 'cov'))),
        );
      }
    }
    if (!c.denied.includes('Patient')) {
      const { ids: withOrders } = await searchAll(call, '/Patient?_has:DeviceRequest:subject:status=active');
      expect(withOrders).toEqual(
        expected('Patient').filter((id) => expected('DeviceRequest').includes(id.replace('c', 'dr'))),
      );
      const { ids: withPlan } = await searchAll(call, '/Patient?_has:CarePlan:subject:status=active');
      expect(withPlan).toEqual(
        c.denied.includes('CarePlan')
          ? []
          : expected('Patient').filter((id) => expected('CarePlan').includes(id.replace('c', 'cpl'))),
      );
    }
  });

  it("gets from a client's $everything exactly what it may see of him, and nothing of a client it may not see", async () => {
    const seen = visibleSet(c);
    for (const { i } of clients) {
      const answer = await call('GET', `/Patient/c${i}/$everything?_count=1000`);
      if (c.denied.includes('Patient')) {
        expect(answer.status, `c${i}`).toBe(403);
        continue;
      }
      if (!expected('Patient').includes(`c${i}`)) {
        expect(answer.status, `c${i}`).toBe(404);
        continue;
      }
      expect(answer.status, `c${i}`).toBe(200);
      const got = ((answer.body as Bundle).entry ?? [])
        .map((e) => `${e.resource!.resourceType}/${e.resource!.id}`)
        .sort();
      const own = Object.entries(ofClient(i)).flatMap(([type, list]) => (list ?? []).map((id) => `${type}/${id}`));
      // Devices too: the R4 compartment holds none, but a Device is the client's by Device.patient.
      expect(got, `c${i}`).toEqual(own.filter((key) => seen.has(key)).sort());
    }
  });

  // Only the masked roles (supplier, logistics, financier) have a mask to check.
  if (c.masked)
    it('sees only what its mask lets through, labelled SUBSETTED', async () => {
      for (const [type, hidden] of Object.entries(c.masked ?? {})) {
        for (const id of expected(type)) {
          const { body } = await call('GET', `/${type}/${id}`);
          for (const element of hidden) expect(elementOf(body, element), `${type}/${id}.${element}`).toBeUndefined();
          expect(body!.meta!.security).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
        }
        const { body } = await call('GET', `/${type}?_count=1000`);
        for (const entry of (body as Bundle).entry ?? [])
          for (const element of hidden) expect(elementOf(entry.resource, element)).toBeUndefined();
      }
    });
});

describe("writes stay inside the caller's scope", () => {
  const supplier = as(system(SUPPLIERS[0]));
  const person = as(cases[0].principal);
  const care = as(system(CARE[0]));

  it("lets a supplier record its own delivery, and not one in another supplier's name", async () => {
    const own = await supplier('POST', '/SupplyDelivery', {
      resourceType: 'SupplyDelivery',
      status: 'completed',
      patient: { reference: 'Patient/c2' },
      supplier: { reference: 'Organization/s0' },
    });
    expect(own.status).toBe(201);
    const before = (
      await store.search({
        types: [{ resourceType: 'SupplyDelivery', where: { kind: 'true' } }],
        sort: [],
        count: 1000,
        total: 'accurate',
        include: [],
        revinclude: [],
      })
    ).total;
    const other = await supplier('POST', '/SupplyDelivery', {
      resourceType: 'SupplyDelivery',
      status: 'completed',
      patient: { reference: 'Patient/c1' },
      supplier: { reference: 'Organization/s1' },
    });
    expect(other).toMatchObject({ status: 403, code: 'HUB_ERR_AUTH_INSUFFICIENT_SCOPE' });
    const after = (
      await store.search({
        types: [{ resourceType: 'SupplyDelivery', where: { kind: 'true' } }],
        sort: [],
        count: 1000,
        total: 'accurate',
        include: [],
        revinclude: [],
      })
    ).total;
    expect(after).toBe(before);
  });

  it('lets a supplier move its device and keeps what its mask hid; a patch of a hidden element is refused', async () => {
    const read = (await supplier('GET', '/Device/dev0')).body as Device;
    expect(read.note).toBeUndefined();
    const moved = await supplier('PUT', '/Device/dev0', { ...read, location: { display: 'Depot Zwolle' } });
    expect(moved.status).toBe(200);
    const stored = JSON.parse((await store.read('Device', 'dev0')).json);
    expect(stored.location).toEqual({ display: 'Depot Zwolle' });
    expect(stored.note).toEqual([{ text: 'onderhoud 0' }]);
    expect(stored.meta.security ?? []).not.toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    expect(
      (await supplier('PATCH', '/Device/dev0', [{ op: 'add', path: '/note', value: [{ text: 'x' }] }])).status,
    ).toBe(403);
    expect(
      (await supplier('PUT', '/Device/dev1', { resourceType: 'Device', id: 'dev1', status: 'inactive' })).status,
    ).toBe(404);
  });

  it("lets a person change his delivery window, not move the delivery to another client, nor touch another's", async () => {
    const sr = JSON.parse((await store.read('SupplyRequest', 'sr0')).json);
    expect(
      (await person('PUT', '/SupplyRequest/sr0', { ...sr, occurrenceDateTime: '2027-01-04T10:00:00+01:00' })).status,
    ).toBe(200);
    const moved = await person('PUT', '/SupplyRequest/sr0', { ...sr, deliverTo: { reference: 'Patient/c1' } });
    expect(moved.status).toBe(403);
    expect(JSON.parse((await store.read('SupplyRequest', 'sr0')).json).deliverTo).toEqual({ reference: 'Patient/c0' });
    const other = JSON.parse((await store.read('SupplyRequest', 'sr1')).json);
    expect(
      (await person('PUT', '/SupplyRequest/sr1', { ...other, occurrenceDateTime: '2027-01-04T10:00:00+01:00' })).status,
    ).toBe(404);
    expect((await person('DELETE', '/SupplyRequest/sr0')).status).toBe(403);
  });

  it("lets a care provider order for its client, not in another organisation's name, and not delete", async () => {
    const order = {
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      codeCodeableConcept: { text: 'bed' },
      subject: { reference: 'Patient/c0' },
      requester: { reference: 'Organization/cp0' },
    };
    expect((await care('POST', '/DeviceRequest', order)).status).toBe(201);
    expect(
      (
        await care('POST', '/DeviceRequest', {
          ...order,
          subject: { reference: 'Patient/c1' },
          requester: { reference: 'Organization/cp1' },
        })
      ).status,
    ).toBe(403);
    expect((await care('DELETE', '/DeviceRequest/dr0')).status).toBe(403);
  });

  it("rolls back a whole transaction when one entry leaves the caller's scope", async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'SupplyDelivery',
            status: 'completed',
            patient: { reference: 'Patient/c4' },
            supplier: { reference: 'Organization/s0' },
            identifier: [{ value: 'tx-ok' }],
          },
          request: { method: 'POST', url: 'SupplyDelivery' },
        },
        {
          resource: {
            resourceType: 'SupplyDelivery',
            status: 'completed',
            patient: { reference: 'Patient/c5' },
            supplier: { reference: 'Organization/s1' },
          },
          request: { method: 'POST', url: 'SupplyDelivery' },
        },
      ],
    };
    expect((await supplier('POST', '/', bundle)).status).toBe(403);
    expect(await store.findIds('SupplyDelivery', 'identifier=tx-ok', 2)).toEqual([]);
  });

  it("does not match another supplier's resource in a conditional create, and answers a match it may not read with its id only", async () => {
    await store.create({
      resourceType: 'SupplyDelivery',
      status: 'completed',
      patient: { reference: 'Patient/c1' },
      supplier: { reference: 'Organization/s1' },
      identifier: [{ system: 'urn:sscc', value: '1' }],
    } as Resource);
    expect(
      await supplier('POST', '/SupplyDelivery', {
        resourceType: 'SupplyDelivery',
        status: 'completed',
        patient: { reference: 'Patient/c0' },
        supplier: { reference: 'Organization/s0' },
        identifier: [{ system: 'urn:sscc', value: '1' }],
      }),
    ).toMatchObject({ status: 201 });
  });

  it('keeps type and system history to callers who may read all of it', async () => {
    expect((await supplier('GET', '/SupplyDelivery/_history')).status).toBe(403);
    expect((await supplier('GET', '/_history')).status).toBe(403);
    expect((await care('GET', '/Patient/_history')).status).toBe(403);
    expect((await care('GET', '/Patient/c0/_history')).status).toBe(200);
  });
});
