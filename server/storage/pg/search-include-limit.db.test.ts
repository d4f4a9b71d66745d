// _revinclude on a popular target: a supplier named by thousands of orders. The hub keeps MAX_INCLUDED of them and
// says it left the rest out; the statement must stop there too, not read every order to throw most away (at a
// million resources that was 92,179 orders, 1.4 to 13.6 s and 180 MB for one search; with the limit 55 to 77 ms).
import type { DeviceRequest, Organization } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import { MAX_INCLUDED, parseSearch } from '../../fhir/search/parse.js';
import { planSearch } from '../../fhir/search/plan.js';
import { PgRepository } from './pg-repository.js';
import { storedResourceTypeSet } from './resource-tables.js';
import { runSearch } from './search.js';

loadDefinitions();
const db = await createTestDatabase();
const repository = new PgRepository(db.sql);

const ORDERS = 2 * MAX_INCLUDED;
const { version: supplier } = await repository.create({
  resourceType: 'Organization',
  name: 'Welzorg',
} as Organization);
const order = (): DeviceRequest => ({
  resourceType: 'DeviceRequest',
  status: 'active',
  intent: 'order',
  subject: { display: 'cliënt' },
  codeCodeableConcept: { text: 'rolstoel' },
  performer: { reference: `Organization/${supplier.id}` },
});
for (let made = 0; made < ORDERS; made += 100) {
  await Promise.all(Array.from({ length: Math.min(100, ORDERS - made) }, () => repository.create(order())));
}

const plan = (query: Record<string, string>) =>
  planSearch(parseSearch(['Organization'], new URLSearchParams(query), storedResourceTypeSet()));

describe('_revinclude of a target named by more resources than the hub includes', () => {
  it('includes MAX_INCLUDED of them, says it left the rest out, and reads little more than it keeps', async () => {
    const { result, fetched } = await db.sql.begin(async (tx) => {
      const result = await runSearch(
        { db: tx, valuePlans: false },
        plan({ _id: supplier.id, _revinclude: 'DeviceRequest:performer' }),
        storedResourceTypeSet(),
        new Date(),
      );
      // Rows this transaction read from the orders' table (pg_stat_xact_user_tables: this transaction's counts).
      const [{ n }] = await tx<{ n: number }[]>`
        SELECT (seq_tup_read + coalesce(idx_tup_fetch, 0))::int AS n FROM pg_stat_xact_user_tables WHERE relid = '"DeviceRequest"'::regclass`;
      return { result, fetched: n };
    });
    expect(result.matches.map((m) => m.id)).toEqual([supplier.id]);
    expect(result.included).toHaveLength(MAX_INCLUDED);
    expect(new Set(result.included.map((v) => v.id)).size).toBe(MAX_INCLUDED);
    expect(result.included.every((v) => v.resourceType === 'DeviceRequest')).toBe(true);
    expect(result.includedTruncated).toBe(true);
    // The limit is the room left plus what was seen (the one match) plus one; reading all would be ORDERS.
    expect(fetched).toBeGreaterThanOrEqual(MAX_INCLUDED);
    expect(fetched).toBeLessThan(MAX_INCLUDED + 10);
  });

  it('says nothing was left out when every referencing resource fits', async () => {
    const { version: small } = await repository.create({ resourceType: 'Organization', name: 'Vegro' } as Organization);
    const few = await Promise.all(
      Array.from({ length: 3 }, () =>
        repository.create({ ...order(), performer: { reference: `Organization/${small.id}` } }),
      ),
    );
    const result = await repository.search(plan({ _id: small.id, _revinclude: 'DeviceRequest:performer' }));
    expect(result.included.map((v) => v.id).sort()).toEqual(few.map((f) => f.version.id).sort());
    expect(result.includedTruncated).toBeFalsy();
  });
});
