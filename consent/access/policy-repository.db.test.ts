// The policy repository's ledger, which the access seam turns into the audit record: every rule under which a
// resource reached the caller is named, the include path's as much as the matches'.
import type { Resource } from '@medplum/fhirtypes';
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
