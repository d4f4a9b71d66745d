// Which plans a search's statements run with (search.ts, SearchDbs; connect.ts, PoolOptions.plans): the page on the
// search pool, planned with its bound values every time; the _include / _revinclude statements on the lookup pool,
// on one generic plan from the first run. Each pool here has one connection, so its session's prepared statements
// (pg_prepared_statements) count every execution.
import type { Coverage, DeviceRequest, Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import { openPool } from '../../db/connect.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import { parseSearch } from '../../fhir/search/parse.js';
import { planSearch } from '../../fhir/search/plan.js';
import { PgRepository } from './pg-repository.js';
import { storedResourceTypeSet } from './resource-tables.js';

loadDefinitions();
const db = await createTestDatabase();
const { url } = db;
const searchPool = openPool(url, 1, { plans: 'values' });
const lookupPool = openPool(url, 1, { plans: 'generic' });
afterAll(() => Promise.all([searchPool.end({ timeout: 5 }), lookupPool.end({ timeout: 5 })]));
const repository = new PgRepository(db.sql, { searchDb: searchPool, lookupDb: lookupPool });

interface PreparedStatement {
  statement: string;
  generic_plans: number;
  custom_plans: number;
}
const prepared = (pool: typeof searchPool) =>
  pool<PreparedStatement[]>`SELECT statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements`;

const RUNS = 8;

describe('the plans of a search', () => {
  it('plans the page with its values on every run, and the includes once, generically', async () => {
    const { version: anna } = await repository.create({
      resourceType: 'Patient',
      name: [{ family: 'Jansen' }],
    } as Patient);
    const { version: coverage } = await repository.create({
      resourceType: 'Coverage',
      status: 'active',
      beneficiary: { reference: `Patient/${anna.id}` },
      payor: [{ display: 'Zilveren Kruis' }],
    } as Coverage);
    await repository.create({
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${anna.id}` },
      codeCodeableConcept: { text: 'rolstoel' },
      insurance: [{ reference: `Coverage/${coverage.id}` }],
    } as DeviceRequest);
    const query = new URLSearchParams({ patient: `Patient/${anna.id}`, _include: 'DeviceRequest:insurance' });
    const plan = planSearch(parseSearch(['DeviceRequest'], query, storedResourceTypeSet()));
    for (let run = 0; run < RUNS; run++) {
      const result = await repository.search(plan);
      expect(result.matches).toHaveLength(1);
      expect(result.included.map((v) => `${v.resourceType}/${v.id}`)).toEqual([`Coverage/${coverage.id}`]);
    }

    const page = (await prepared(searchPool)).filter((s) => s.statement.includes('FROM "DeviceRequest" r'));
    expect(page).toHaveLength(1);
    expect(page[0]).toMatchObject({ generic_plans: 0, custom_plans: RUNS });

    const include = (await prepared(lookupPool)).filter((s) => s.statement.includes('resource_id = ANY('));
    expect(include).toHaveLength(1);
    expect(include[0]).toMatchObject({ generic_plans: RUNS, custom_plans: 0 });
  });
});
