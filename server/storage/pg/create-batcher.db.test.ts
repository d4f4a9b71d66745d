// Group commit of single creates: many concurrent creates, few statements, each create whole or not at all.
import type { Patient } from '@medplum/fhirtypes';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import { connectionTarget } from '../../db/connect.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import { newResourceId } from '../resource-id.js';
import { CreateBatcher } from './create-batcher.js';
import { prepareVersion } from './prepare.js';

loadDefinitions();
const { sql, url } = await createTestDatabase();

function row(family: string, id = newResourceId()) {
  const patient: Patient = { resourceType: 'Patient', name: [{ family }] };
  return prepareVersion(patient, id, 1, new Date(), 'POST');
}

async function count(table: string, ids: string[]): Promise<number> {
  const column = table === 'resource_history' || table === 'Patient' ? 'id' : 'resource_id';
  const [{ n }] = await sql<
    { n: number }[]
  >`SELECT count(*)::int AS n FROM ${sql(table)} WHERE ${sql(column)} = ANY(${ids})`;
  return n;
}

describe('CreateBatcher', () => {
  it('writes 60 concurrent creates, each with its history and search rows, in fewer statements than creates', async () => {
    let statements = 0;
    const target = connectionTarget(url); // the socket the URL names, as openPool() does
    const counting = postgres(target.url, {
      max: 4,
      onnotice: () => undefined,
      debug: () => statements++,
      ...(target.path ? { path: target.path } : {}),
    });
    afterAll(() => counting.end());
    const batcher = new CreateBatcher(counting, { maxInFlight: 2 });
    const rows = Array.from({ length: 60 }, (_, i) => row(`Batch${i}`));
    const versions = await Promise.all(rows.map((r) => batcher.insert(r)));
    expect(versions.map((v) => v?.id)).toEqual(rows.map((r) => r.id));
    expect(versions.every((v) => v?.versionId === '1' && v.json.includes('Batch'))).toBe(true);
    const ids = rows.map((r) => r.id);
    expect(await count('Patient', ids)).toBe(60);
    expect(await count('resource_history', ids)).toBe(60);
    expect(await count('search_string', ids)).toBeGreaterThanOrEqual(60);
    // The first create goes alone (nothing to wait for); the rest wait for a slot and share statements.
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThan(10);
  });

  it('lets only the create whose id exists fail when it shares a batch with others', async () => {
    const batcher = new CreateBatcher(sql, { maxInFlight: 1 });
    const taken = row('Eerst');
    await batcher.insert(taken);
    const others = Array.from({ length: 5 }, (_, i) => row(`Later${i}`));
    const results = await Promise.all([
      ...others.map((r) => batcher.insert(r)),
      batcher.insert(row('Dubbel', taken.id)),
    ]);
    expect(results.slice(0, 5).map((v) => v?.id)).toEqual(others.map((r) => r.id));
    expect(results[5]).toBeUndefined();
    const [{ content }] = await sql<{ content: string }[]>`SELECT content FROM "Patient" WHERE id = ${taken.id}`;
    expect(content).toContain('Eerst');
  });
});
