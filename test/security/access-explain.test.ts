// $access ("who may read this, and why") held to what the policy actually lets each principal do: over a generated
// world of clients, care providers, suppliers, a logistics provider, financiers, a delegate and client directives,
// for every resource of every core type and every principal in the matrix, $access names the principal as a reader
// exactly when that principal's read answers 200, and as a writer only where an update of it is allowed. Then the
// HTTP operation: for admins and auditors only, audited, and `?principal=` explains one decision step by step.
import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessExplainer, type ExplainedPrincipal, asPrincipal } from '../../consent/explain/who-may-access.js';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { principalClient } from '../support/as-principal.js';
import { auditEvents } from '../support/audit.js';
import { createTestDatabase } from '../support/database.js';
import { ClientRegistry } from '../../consent/registry/client-registry.js';

const BASE = 'http://hub.test';
const HUB = 'https://zorghub.example.org/fhir';
const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const GLN = 'https://www.gs1.org/gln';
const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';

interface Org {
  id: string;
  system: string;
  value: string;
  role: SystemRole;
}
const ORGS: Org[] = [
  { id: 'cp0', system: URA, value: '20000001', role: 'care-provider' },
  { id: 'cp1', system: URA, value: '20000002', role: 'care-provider' },
  { id: 's0', system: GLN, value: '8712345000011', role: 'supplier' },
  { id: 's1', system: GLN, value: '8712345000028', role: 'supplier' },
  { id: 'l0', system: GLN, value: '8712345000035', role: 'logistics' },
  { id: 'f0', system: UZOVI, value: '4411', role: 'financier' },
  { id: 'f1', system: UZOVI, value: '4412', role: 'financier' },
];
const org = (id: string) => ORGS.find((o) => o.id === id)!;
const CLIENTS = 4;

/** The world: per client an order, a delivery request and delivery, a device, coverage, a care plan, a consent. */
function world(): Resource[] {
  const resources: Resource[] = ORGS.map(
    (o) => ({ resourceType: 'Organization', id: o.id, identifier: [{ system: o.system, value: o.value }] }) as Resource,
  );
  for (let i = 0; i < CLIENTS; i++) {
    const patient = { reference: `Patient/x${i}` };
    const care = org(`cp${i % 2}`);
    const supplier = org(`s${i % 2}`);
    const deliverer = i === 0 ? org('l0') : supplier;
    const financier = org(`f${i % 2}`);
    const ref = (o: Org, literal: boolean) =>
      literal ? { reference: `Organization/${o.id}` } : { identifier: { system: o.system, value: o.value } };
    resources.push(
      { resourceType: 'Patient', id: `x${i}`, name: [{ family: `Uitleg${i}` }] },
      {
        resourceType: 'Coverage',
        id: `xcov${i}`,
        status: 'active',
        beneficiary: patient,
        payor: [ref(financier, i % 2 === 0)],
      },
      {
        resourceType: 'DeviceRequest',
        id: `xdr${i}`,
        status: 'active',
        intent: 'order',
        subject: patient,
        codeCodeableConcept: { text: 'rollator' },
        requester: ref(care, true),
        performer: ref(supplier, i < 2),
        insurance: [{ reference: `Coverage/xcov${i}` }],
      },
      {
        resourceType: 'SupplyRequest',
        id: `xsr${i}`,
        status: 'active',
        itemCodeableConcept: { text: 'rollator' },
        quantity: { value: 1 },
        deliverTo: patient,
        supplier: [ref(deliverer, true)],
      },
      {
        resourceType: 'SupplyDelivery',
        id: `xsd${i}`,
        status: 'in-progress',
        patient,
        supplier: ref(deliverer, true),
        basedOn: [{ reference: `SupplyRequest/xsr${i}` }],
      },
      { resourceType: 'Device', id: `xdev${i}`, status: 'active', patient, owner: ref(supplier, true) },
      { resourceType: 'CarePlan', id: `xcpl${i}`, status: 'active', intent: 'plan', subject: patient },
    );
  }
  // Client 1 denies care providers his care plans; client 2 opens his aids to cp1, with whom he has no relation.
  resources.push(directive('xdir-deny', 1, 'deny', { category: 'care-provider' }, 'zorgplan'));
  resources.push(directive('xdir-permit', 2, 'permit', { org: org('cp1') }, 'hulpmiddelen'));
  // Client 3 has a daughter, delegated to read his aids.
  resources.push({ resourceType: 'RelatedPerson', id: 'xdaughter', patient: { reference: 'Patient/x3' } }, {
    resourceType: 'Consent',
    id: 'xdelegation',
    status: 'active',
    scope: { text: 'patient-privacy' },
    category: [{ coding: [{ system: `${HUB}/CodeSystem/consent-category`, code: 'delegation' }] }],
    patient: { reference: 'Patient/x3' },
    policyRule: { text: 'opt-in' },
    provision: {
      type: 'permit',
      period: { start: '2020-01-01' },
      actor: [{ role: { text: 'agent' }, reference: { reference: 'RelatedPerson/xdaughter' } }],
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] }],
      class: [{ system: `${HUB}/CodeSystem/data-service`, code: 'hulpmiddelen' }],
    },
  } as Resource);
  return resources;
}

function directive(
  id: string,
  client: number,
  type: 'permit' | 'deny',
  to: { category: string } | { org: Org },
  service: string,
): Resource {
  const actor =
    'category' in to
      ? {
          extension: [
            {
              url: `${HUB}/StructureDefinition/hub-ext-recipient-category`,
              valueCoding: { system: `${HUB}/CodeSystem/organisation-role`, code: to.category },
            },
          ],
          reference: { display: to.category },
        }
      : { reference: { reference: `Organization/${to.org.id}` } };
  return {
    resourceType: 'Consent',
    id,
    status: 'active',
    scope: { text: 'patient-privacy' },
    policyRule: { text: 'opt-in' },
    category: [{ coding: [{ system: `${HUB}/CodeSystem/consent-category`, code: 'data-sharing' }] }],
    patient: { reference: `Patient/x${client}` },
    provision: {
      type,
      period: { start: '2020-01-01' },
      actor: [{ role: { text: 'information recipient' }, ...actor }],
      class: [{ system: `${HUB}/CodeSystem/data-service`, code: service }],
    },
  } as Resource;
}

const ALL_SERVICES = ['basisgegevens', 'zorgplan', 'hulpmiddelen', 'leveringen', 'financiering', 'toegangslog'];
const matrix: { name: string; principal: ExplainedPrincipal }[] = [
  ...Array.from({ length: CLIENTS }, (_, i) => ({
    name: `person x${i}`,
    principal: { kind: 'person', client: `Patient/x${i}`, dataServices: ALL_SERVICES } as ExplainedPrincipal,
  })),
  {
    name: 'delegate xdaughter',
    principal: {
      kind: 'delegate',
      client: 'Patient/x3',
      actor: 'RelatedPerson/xdaughter',
      dataServices: ['hulpmiddelen'],
      delegation: 'Consent/xdelegation',
      readOnly: true,
    },
  },
  ...ORGS.map((o) => ({
    name: `${o.role} ${o.id}`,
    principal: {
      kind: 'system',
      role: o.role,
      organization: { system: o.system, value: o.value },
    } as ExplainedPrincipal,
  })),
  { name: 'auditor', principal: { kind: 'system', role: 'auditor' } },
  { name: 'admin', principal: { kind: 'system', role: 'admin' } },
];

/** Whether one line of an explanation is about this principal (persons by client, whatever the data service). */
function names(line: ExplainedPrincipal, principal: ExplainedPrincipal): boolean {
  if (line.kind !== principal.kind || line.client !== principal.client || line.actor !== principal.actor) return false;
  if (line.kind !== 'system') return true;
  if (line.role !== principal.role) return false;
  return (
    !line.organization ||
    (line.organization.system === principal.organization?.system &&
      line.organization.value === principal.organization?.value)
  );
}

describe('$access agrees with what each principal may actually do', async () => {
  const { sql } = await createTestDatabase();
  const store = new PgRepository(sql, { baseUrl: BASE });
  await store.createMany(world());
  const as = await principalClient(store, BASE);
  const explainer = new AccessExplainer(store);
  const targets = world().filter((r) => r.resourceType !== 'Organization');

  it.each(targets.map((r) => [`${r.resourceType}/${r.id}`, r] as const))('%s', async (_name, resource) => {
    const explanation = await explainer.explain(resource.resourceType, resource.id!);
    const disagreements: string[] = [];
    for (const { name, principal } of matrix) {
      const read = await as(asPrincipal(principal) as Principal)('GET', `${resource.resourceType}/${resource.id}`);
      const granted = explanation.grants.some((g) => g.interaction === 'read' && names(g.principal, principal));
      if ((read.status === 200) !== granted) {
        disagreements.push(`${name}: read answers ${read.status}, $access says ${granted ? 'may' : 'may not'} read`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('names the clients, the rules, the directive that opened access and the one that refused it', async () => {
    const aids = await explainer.explain('DeviceRequest', 'xdr2');
    expect(aids.clients).toEqual(['Patient/x2']);
    const cp1 = aids.grants.find((g) => g.principal.organization?.value === '20000002' && g.interaction === 'read');
    expect(cp1?.consents).toEqual(['Consent/xdir-permit']); // the client's permit opened it: no care relation
    const plan = await explainer.explain('CarePlan', 'xcpl1');
    const refused = plan.refusals.filter((r) => r.principal.role === 'care-provider' && r.interaction === 'read');
    expect(refused.map((r) => r.principal.organization?.value)).toEqual(['20000002']);
    expect(refused[0].consents).toContain('Consent/xdir-deny');
    const supplied = await explainer.explain('SupplyRequest', 'xsr1');
    expect(supplied.grants).toContainEqual(
      expect.objectContaining({ interaction: 'read', rule: 'supply-requests', mask: 'delivery' }),
    );
    const daughter = await explainer.explain('Device', 'xdev3');
    expect(daughter.grants).toContainEqual(
      expect.objectContaining({
        interaction: 'read',
        principal: expect.objectContaining({ actor: 'RelatedPerson/xdaughter' }),
      }),
    );
    expect(daughter.grants.some((g) => g.interaction === 'update' && g.principal.kind === 'delegate')).toBe(false);
  });
});

describe('GET [type]/[id]/$access', () => {
  let hub: TestApp;
  const tokens = new Map<SystemRole, string>();
  beforeAll(async () => {
    hub = await createTestApp();
    await new PgRepository(hub.db.sql, { baseUrl: BASE }).createMany(world());
    const registry = new ClientRegistry(hub.db.sql);
    for (const role of ['care-provider', 'supplier', 'logistics', 'financier', 'auditor'] as const) {
      const clientId = `explain-${role}`;
      await registry.put(
        {
          clientId,
          name: clientId,
          kind: 'system',
          role,
          organization: (({ system, value }) => ({ system, value }))(
            ORGS.find((o) => o.role === role) ?? { system: URA, value: '30000001' },
          ),
          redirectUris: [],
          publicClient: false,
          tokenEndpointAuthMethod: 'client_secret_basic',
          dataServices: ['system/*.read'],
          active: true,
        },
        { secret: `${clientId}-secret-0123456789-abcdefghijkl` },
      );
      const issued = await hub.app.inject({ method: 'POST', url: `/admin/clients/${clientId}/$token` });
      tokens.set(role, issued.json().access_token);
    }
    tokens.set('admin', await hub.adminToken());
  });
  afterAll(async () => hub?.app.close());

  const get = (url: string, role: SystemRole | undefined) =>
    hub.anonymous.inject({
      method: 'GET',
      url,
      headers: role ? { authorization: `Bearer ${tokens.get(role)}` } : {},
    });

  it('answers admins and auditors with Parameters, and refuses every other role (403) and no token (401)', async () => {
    for (const role of ['admin', 'auditor'] as const) {
      const answer = await get('/DeviceRequest/xdr0/$access', role);
      expect(answer.statusCode, role).toBe(200);
      const parameters = answer.json() as Parameters;
      expect(parameters.parameter?.some((p) => p.name === 'access')).toBe(true);
    }
    for (const role of ['care-provider', 'supplier', 'logistics', 'financier'] as const) {
      const answer = await get('/DeviceRequest/xdr0/$access', role);
      expect(answer.statusCode, role).toBe(403);
      expect(answer.json().issue[0].diagnostics).toContain('operation:access');
    }
    expect((await get('/DeviceRequest/xdr0/$access', undefined)).statusCode).toBe(401);
    expect((await get('/DeviceRequest/nothing/$access', 'admin')).statusCode).toBe(404);
  });

  it('explains one principal step by step with ?principal=', async () => {
    const answer = await get('/CarePlan/xcpl1/$access?principal=Patient/x1', 'auditor');
    expect(answer.statusCode).toBe(200);
    const principal = (answer.json() as Parameters).parameter?.[0];
    const verdicts = principal?.part?.filter((p) => p.name === 'verdict') ?? [];
    const read = verdicts.find((v) => v.part?.some((p) => p.name === 'interaction' && p.valueCode === 'read'));
    const steps = read?.part?.filter((p: ParametersParameter) => p.name === 'step').map((p) => p.valueString);
    expect(steps?.[0]).toContain('permit by rule person-service-zorgplan');
    expect(read?.part?.find((p) => p.name === 'allowed')?.valueBoolean).toBe(true);
    const unknown = await get('/CarePlan/xcpl1/$access?principal=nobody-registered', 'auditor');
    expect(unknown.statusCode).toBe(400);
  });

  it('records each call in the audit trail, under the rule that allowed it', async () => {
    await get('/Device/xdev0/$access', 'auditor');
    await get('/Device/xdev0/$access', 'supplier');
    const events = (await auditEvents(hub.db.sql)).filter(
      (e) =>
        e.subtype?.[0].display === 'operation:access' &&
        e.entity?.some((x) => x.what?.reference?.startsWith('Device/xdev0') ?? false),
    );
    expect(events.map((e) => e.outcome).sort()).toEqual(['0', '4']);
    expect(JSON.stringify(events)).toContain('urn:zorghub:access-rule:access-explain');
  });
});
