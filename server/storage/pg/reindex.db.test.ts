// Reindexing at start-up: types whose search parameters changed get their index values computed again.
import { indexSearchParameter } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import { resetSearchCaches } from '../../fhir/search/parameters.js';
import { PgRepository } from './pg-repository.js';
import { indexFingerprint, reindexChanged } from './reindex.js';

loadDefinitions();
const { sql } = await createTestDatabase();
const repository = new PgRepository(sql);
const quiet = { info: () => undefined };

async function searchRows(id: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM search_string WHERE resource_id = ${id}`;
  return row.n;
}

describe('reindexChanged', () => {
  it('rebuilds the search rows and tokens of resources indexed before, and then has nothing left to do', async () => {
    const { version } = await repository.create({
      resourceType: 'Patient',
      name: [{ family: 'Smit' }],
      gender: 'male',
    });
    await sql`DELETE FROM search_string WHERE resource_id = ${version.id}`;
    await sql`UPDATE "Patient" SET tokens = '{}' WHERE id = ${version.id}`;
    await sql`DELETE FROM search_index_state`;
    const progress: unknown[] = [];
    expect(await reindexChanged(sql, { info: (...args: unknown[]) => progress.push(args) })).toEqual({ Patient: 1 });
    expect(await searchRows(version.id)).toBeGreaterThan(0);
    const [{ tokens }] = await sql<{ tokens: string[] }[]>`SELECT tokens FROM "Patient" WHERE id = ${version.id}`;
    expect(tokens).toContain('gender||male');
    expect(progress.length).toBeGreaterThan(0);
    expect(await reindexChanged(sql, quiet)).toEqual({});
  });

  it('reindexes a type when a SearchParameter is added to it, which makes existing resources findable by it', async () => {
    await reindexChanged(sql, quiet);
    const { version } = await repository.create({
      resourceType: 'Basic',
      code: { text: 'rollator' },
      created: '2026-05-01',
    });
    const before = indexFingerprint('Basic');
    // A restart loads the new parameter before anything is compiled; here the caches are reset to stand for it.
    indexSearchParameter({
      resourceType: 'SearchParameter',
      url: 'https://zorghub.example.org/fhir/SearchParameter/test-Basic-text',
      status: 'active',
      name: 'BasicText',
      description: 'test',
      code: 'code-text',
      base: ['Basic'],
      type: 'string',
      expression: 'Basic.code.text',
    });
    resetSearchCaches();
    expect(indexFingerprint('Basic')).not.toBe(before);
    expect(await reindexChanged(sql, quiet)).toEqual({ Basic: 1 });
    const [row] = await sql<{ normalized: string }[]>`
      SELECT normalized FROM search_string WHERE resource_id = ${version.id} AND param = 'code-text'`;
    expect(row.normalized).toBe('rollator');
  });
});
