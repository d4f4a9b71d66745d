// The policy repository's ledger, which the access seam turns into the audit record: every rule under which a
// resource reached the caller is named, the include path's as much as the matches'.
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../server/contracts/principal.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { planSearch } from '../../server/fhir/search/plan.js';
import { storedResourceTypeSet } from '../../server/storage/pg/resource-tables.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { createTestDatabase } from '../../test/support/database.js';
import { AccessLedger, policyRepositoryFor } from './policy-repository.js';

const GLN = 'https://www.gs1.org/gln';
const supplier: Principal = {
  kind: 'system',
  clientId: 'leverancier',
  role: 'supplier',
  organization: { system: GLN, value: '8712345000011' },
  dataServices: [],
  tokenId: 't',
};

describe('the record of a search names the rules of what it included', async () => {
  const { sql } = await createTestDatabase();
  const store = new PgRepository(sql, { baseUrl: 'http://hub.test' });
  const mine = { identifier: { system: GLN, value: '8712345000011' } };
  await store.createMany([
    { resourceType: 'Patient', id: 'p1' },
    {
      resourceType: 'DeviceRequest',
      id: 'dr1',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      codeCodeableConcept: { text: 'rolstoel' },
      performer: mine,
    },
    {
      resourceType: 'SupplyRequest',
      id: 'sr1',
      status: 'active',
      deliverTo: { reference: 'Patient/p1' },
      supplier: [mine],
      itemCodeableConcept: { text: 'rolstoel' },
      quantity: { value: 1 },
      extension: [
        {
          url: 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-based-on',
          valueReference: { reference: 'DeviceRequest/dr1' },
        },
      ],
    },
  ] as Resource[]);

  const search = async (query: string) => {
    const ledger = new AccessLedger();
    const policy = await policyRepositoryFor(store, supplier, { ledger });
    const plan = planSearch(parseSearch(['DeviceRequest'], new URLSearchParams(query), storedResourceTypeSet()));
    const result = await policy.search(plan);
    return { result, rules: [...ledger.rules] };
  };

  it('names the permit of the matches and of the resources a _revinclude added', async () => {
    const { result, rules } = await search('_id=dr1&_revinclude=SupplyRequest:subject');
    expect(result.matches.map((m) => m.id)).toEqual(['dr1']);
    expect(rules).toContain('supply-orders');
    // The SupplyRequest came in through the include path (its subject is the Patient, not the order): see below.
    const included = await search('_id=dr1&_include=DeviceRequest:subject');
    expect(included.result.included.map((v) => `${v.resourceType}/${v.id}`)).toEqual(['Patient/p1']);
    expect(included.rules).toEqual(expect.arrayContaining(['supply-orders', 'supply-clients']));
  });
});

describe('_explain shows the caller its access condition', async () => {
  const { sql } = await createTestDatabase();
  const store = new PgRepository(sql, { baseUrl: 'http://hub.test' });
  const { principalClient } = await import('../../test/support/as-principal.js');
  const as = await principalClient(store, 'http://hub.test');
  const diagnostics = async (principal: Principal, url: string) => {
    const answer = await as(principal)('GET', url);
    const outcome = (answer.body as Bundle | undefined)?.entry?.find((e) => e.search?.mode === 'outcome');
    return ((outcome?.resource as OperationOutcome | undefined)?.issue ?? []).map((i) => i.diagnostics);
  };
  const admin: Principal = { kind: 'system', clientId: 'a', role: 'admin', dataServices: [], tokenId: 't' };

  it('under _explain and its old name __explain, per role', async () => {
    const mine = await diagnostics(supplier, 'SupplyRequest?_explain=true');
    expect(mine[0]).toContain('SupplyRequest');
    expect(mine[1]).toMatch(/^access: SupplyRequest: .*8712345000011/); // narrowed to its own organisation
    expect((await diagnostics(admin, 'SupplyRequest?__explain=true'))[1]).toBe('access: SupplyRequest: true');
    expect(await diagnostics(admin, 'SupplyRequest')).toEqual([]);
  });
});
